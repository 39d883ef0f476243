using System.Globalization;
using System.Text;
using Zoo.Core.Metrics;
using Zoo.Toolkit.Plots;

namespace Zoo.Continual;

/// <summary>Tables (markdown, rows for <see cref="Zoo.Core.IZooOutput.Table"/>) and PNGs of continual and unlearning results.</summary>
public static class ContinualReport
{
    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Headers of <see cref="SummaryRow"/>.</summary>
    public static IReadOnlyList<string> SummaryHeaders { get; } =
        ["learner", "benchmark", "avg acc", "avg inc acc", "forgetting (best)", "forgetting (just learned)", "BWT", "final row", "seconds"];

    /// <summary>
    /// One row per learner: average accuracy (after the last task, mean over tasks), average incremental accuracy,
    /// forgetting from best (Chaudhry et al. 2018; Mammoth/PyCIL), forgetting from just-learned (Avalanche), BWT, seconds.
    /// </summary>
    public static IReadOnlyList<string> SummaryRow(ContinualResult r)
    {
        var m = r.Matrix;
        var last = string.Join(" ", Enumerable.Range(0, m.Tasks).Select(j => (100 * m[m.Tasks - 1, j]).ToString("F0", CultureInfo.InvariantCulture)));
        return [r.Learner, r.Benchmark, F(m.AverageAccuracy), F(m.AverageAccuracyCurve.Average()), F(m.ForgettingFromBest),
            F(m.ForgettingFromJustLearned), F(m.BackwardTransfer), last, r.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)];
    }

    /// <summary>The summary as a markdown table (summary.md).</summary>
    public static string SummaryTable(IEnumerable<ContinualResult> results) => Markdown(SummaryHeaders, results.Select(SummaryRow));

    /// <summary>The accuracy matrix as table rows: "after T{i}" then A[i, j] in percent ("-" when not evaluated).</summary>
    public static (IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) MatrixRows(AccuracyMatrix m)
    {
        var headers = Enumerable.Range(0, m.Tasks).Select(j => $"T{j}").Prepend("after").ToArray();
        var rows = Enumerable.Range(0, m.Tasks).Select(i => (IReadOnlyList<string>)Enumerable.Range(0, m.Tasks)
            .Select(j => double.IsNaN(m[i, j]) ? "-" : (100 * m[i, j]).ToString("F1", CultureInfo.InvariantCulture)).Prepend($"T{i}").ToArray()).ToList();
        return (headers, rows);
    }

    /// <summary>The accuracy matrix as a heat map (rows: after task i, columns: task j), accuracy in percent in each cell.</summary>
    public static void Heatmap(string path, AccuracyMatrix m, string title)
    {
        int t = m.Tasks;
        var values = new double[t, t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++) values[i, j] = 100 * m[i, j];
        var labels = Enumerable.Range(0, t).Select(i => $"T{i}").ToArray();
        PlotWriter.Heatmap(path, title, "evaluated on task j", "after learning task i", values, labels, labels,
            annotate: true, format: "0", colorbarLabel: "test accuracy (%)");
    }

    /// <summary>Grouped bars of forget/retain test accuracy before and after each unlearning request.</summary>
    public static void UnlearningBars(string path, IReadOnlyList<UnlearningStep> steps, string title)
    {
        var groups = steps.Select(s => "forget " + string.Join(",", s.Classes)).ToArray();
        (string, IReadOnlyList<double>) S(string name, Func<UnlearningStep, double> get) => (name, steps.Select(get).ToArray());
        PlotWriter.Bars(path, title, "unlearning request", "test accuracy", groups,
            [S("forget before", s => s.ForgetBefore), S("forget after", s => s.ForgetAfter),
             S("retain before", s => s.RetainBefore), S("retain after", s => s.RetainAfter)], yMax: 1.05);
    }

    /// <summary>Headers of <see cref="UnlearningRow"/>.</summary>
    public static IReadOnlyList<string> UnlearningHeaders { get; } =
        ["unlearner", "forget classes", "forget acc before", "forget acc after", "retain acc before", "retain acc after", "forget-train acc after", "seconds"];

    public static IReadOnlyList<string> UnlearningRow(string unlearner, UnlearningStep s) =>
        [unlearner, string.Join(",", s.Classes), F(s.ForgetBefore), F(s.ForgetAfter), F(s.RetainBefore), F(s.RetainAfter), F(s.ForgetTrainAfter),
         s.Seconds.ToString("F2", CultureInfo.InvariantCulture)];

    /// <summary>A markdown table.</summary>
    public static string Markdown(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", headers) + " |");
        sb.AppendLine("|" + string.Concat(headers.Select(_ => "---|")));
        foreach (var r in rows) sb.AppendLine("| " + string.Join(" | ", r) + " |");
        return sb.ToString();
    }
}
