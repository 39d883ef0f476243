using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Core.Metrics;
using static TorchSharp.torch;

namespace Zoo.Plugins.Continual;

/// <summary>What a continual run produced: the accuracy matrix A[i, j] and the time of each task.</summary>
public sealed record ContinualResult(string Learner, string Benchmark, AccuracyMatrix Matrix, double[] TaskSeconds, double PeakWorkingSetMb)
{
    public double TotalSeconds => TaskSeconds.Sum();
}

/// <summary>
/// Runs a learner over a task stream: Learn(task i), then evaluate on every task's test set (A[i, j] for all j, so the
/// entries above the diagonal are the forward-transfer probes, NaN-free), with the task id only in task-incremental mode.
/// </summary>
public static class ContinualRunner
{
    public static ContinualResult Run(IContinualLearner learner, nn.Module backbone, IReadOnlyList<ContinualTask> tasks, ContinualSettings settings,
        string learnerName, string benchmark, IProgress<TrainingProgress>? progress = null, Action<int, AccuracyMatrix>? afterTask = null)
    {
        if (tasks.Count == 0) throw new ArgumentException("The benchmark has no tasks.");
        learner.Initialize(backbone, settings);
        var m = new AccuracyMatrix(tasks.Count);
        var seconds = new double[tasks.Count];
        double peak = 0;
        var device = ZooRuntime.Device;
        for (int i = 0; i < tasks.Count; i++)
        {
            var sw = Stopwatch.StartNew();
            learner.Learn(tasks[i], progress);
            seconds[i] = sw.Elapsed.TotalSeconds;
            for (int j = 0; j < tasks.Count; j++)
            {
                int? taskId = settings.TaskIncremental ? (j <= i ? j : null) : null;
                if (settings.TaskIncremental && taskId is null) continue;   // an unseen task has no task id to mask with
                m[i, j] = Training.Accuracy(x => learner.Predict(x, taskId), tasks[j].Test, device);
            }
            peak = Math.Max(peak, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
            afterTask?.Invoke(i, m);
        }
        return new ContinualResult(learnerName, benchmark, m, seconds, peak);
    }
}

/// <summary>Tables (markdown, CSV) and heatmap PNGs of continual and unlearning results.</summary>
public static class ContinualReport
{
    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>
    /// One row per learner: average accuracy (after the last task, mean over tasks), average incremental accuracy,
    /// forgetting from best (Chaudhry et al. 2018; Mammoth/PyCIL), forgetting from just-learned (Avalanche), BWT, seconds.
    /// </summary>
    public static string SummaryTable(IEnumerable<ContinualResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| learner | benchmark | avg acc | avg inc acc | forgetting (best) | forgetting (just learned) | BWT | final row | seconds |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var m = r.Matrix;
            var last = string.Join(" ", Enumerable.Range(0, m.Tasks).Select(j => (100 * m[m.Tasks - 1, j]).ToString("F0", CultureInfo.InvariantCulture)));
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Learner} | {r.Benchmark} | {F(m.AverageAccuracy)} | {F(m.AverageAccuracyCurve.Average())} | {F(m.ForgettingFromBest)} | {F(m.ForgettingFromJustLearned)} | {F(m.BackwardTransfer)} | {last} | {r.TotalSeconds:F1} |");
        }
        return sb.ToString();
    }

    /// <summary>The accuracy matrix as a heatmap (rows: after task i, columns: task j), values printed in each cell.</summary>
    public static void Heatmap(string path, AccuracyMatrix m, string title)
    {
        int t = m.Tasks;
        var values = new double[t, t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++) values[i, j] = double.IsNaN(m[i, j]) ? double.NaN : m[i, j];
        var plt = new ScottPlot.Plot();
        var hm = plt.Add.Heatmap(values);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.ManualRange = new ScottPlot.Range(0, 1);
        hm.FlipVertically = false;
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
            {
                if (double.IsNaN(values[i, j])) continue;
                var txt = plt.Add.Text((100 * values[i, j]).ToString("F0", CultureInfo.InvariantCulture), j, t - 1 - i);
                txt.LabelFontColor = values[i, j] > 0.6 ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                txt.LabelFontSize = 16;
                txt.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
            }
        plt.Add.ColorBar(hm);
        plt.Title(title);
        plt.XLabel("evaluated on task j");
        plt.YLabel("after learning task i (top row = task 0)");
        var ticksX = Enumerable.Range(0, t).Select(j => new ScottPlot.Tick(j, $"T{j}")).ToArray();
        var ticksY = Enumerable.Range(0, t).Select(i => new ScottPlot.Tick(t - 1 - i, $"T{i}")).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticksX);
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticksY);
        Save(plt, path, 560, 480);
    }

    /// <summary>Bar chart of forget/retain accuracy before and after unlearning.</summary>
    public static void UnlearningBars(string path, IReadOnlyList<UnlearningStep> steps, string title)
    {
        var plt = new ScottPlot.Plot();
        var series = new (string Name, Func<UnlearningStep, double> Get, ScottPlot.Color Color)[]
        {
            ("forget before", s => s.ForgetBefore, ScottPlot.Colors.LightCoral), ("forget after", s => s.ForgetAfter, ScottPlot.Colors.DarkRed),
            ("retain before", s => s.RetainBefore, ScottPlot.Colors.LightBlue), ("retain after", s => s.RetainAfter, ScottPlot.Colors.DarkBlue),
        };
        for (int k = 0; k < series.Length; k++)
        {
            var bars = steps.Select((s, i) => new ScottPlot.Bar { Position = i * (series.Length + 1) + k, Value = series[k].Get(s), FillColor = series[k].Color }).ToArray();
            var b = plt.Add.Bars(bars);
            b.LegendText = series[k].Name;
        }
        var ticks = steps.Select((s, i) => new ScottPlot.Tick(i * (series.Length + 1) + 1.5, "forget " + string.Join(",", s.Classes))).ToArray();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plt.Axes.SetLimitsY(0, 1.05);
        plt.YLabel("test accuracy");
        plt.Title(title);
        plt.ShowLegend();
        Save(plt, path, 200 + 180 * steps.Count, 420);
    }

    private static void Save(ScottPlot.Plot plt, string path, int width, int height)
    {
        var bytes = plt.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => fs.Write(bytes));
    }
}
