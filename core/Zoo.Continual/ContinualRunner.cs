using System.Diagnostics;
using Zoo.Core;
using Zoo.Core.Metrics;
using static TorchSharp.torch;

namespace Zoo.Continual;

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
        string learnerName, string benchmark, IZooContext context, IProgress<TrainingProgress>? progress = null,
        Action<int, AccuracyMatrix>? afterTask = null)
    {
        if (tasks.Count == 0) throw new ArgumentException("The benchmark has no tasks.");
        learner.Initialize(backbone, settings, context);
        var m = new AccuracyMatrix(tasks.Count);
        var seconds = new double[tasks.Count];
        double peak = 0;
        for (int i = 0; i < tasks.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var sw = Stopwatch.StartNew();
            learner.Learn(tasks[i], progress);
            seconds[i] = sw.Elapsed.TotalSeconds;
            for (int j = 0; j < tasks.Count; j++)
            {
                int? taskId = settings.TaskIncremental ? (j <= i ? j : null) : null;
                if (settings.TaskIncremental && taskId is null) continue;   // an unseen task has no task id to mask with
                m[i, j] = Training.Accuracy(x => learner.Predict(x, taskId), tasks[j].Test, context.Device);
            }
            peak = Math.Max(peak, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
            afterTask?.Invoke(i, m);
        }
        return new ContinualResult(learnerName, benchmark, m, seconds, peak);
    }
}

/// <summary>Reports progress synchronously on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
public sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
