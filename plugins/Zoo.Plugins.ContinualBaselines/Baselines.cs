using System.ComponentModel;

namespace Zoo.Plugins.ContinualBaselines;

/// <summary>Naive fine-tuning (Mammoth <c>sgd</c>, Avalanche <c>Naive</c>): train on each task in turn, nothing against forgetting.</summary>
[ZooExport(typeof(IContinualLearner), "finetune", Task = ZooTasks.ContinualLearning, Paper = "Baseline: naive sequential fine-tuning",
    Summary = "Sequential fine-tuning of the whole model, the lower bound every continual learner is compared with.")]
public sealed class FinetuneLearner : ContinualLearnerBase
{
    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress) =>
        Fit(task.Train, Model.Parameters(), (x, y) => TaskLoss(Model.Logits(x), y, task.Classes), progress, $"finetune task {task.Index}");
}

/// <summary>
/// Joint training (Mammoth <c>joint</c>, Avalanche <c>Cumulative</c>): after each task, train on the union of all tasks'
/// training data seen so far. The upper bound; a fresh model is not re-initialised between tasks (cumulative variant).
/// </summary>
[ZooExport(typeof(IContinualLearner), "joint", Task = ZooTasks.ContinualLearning, Paper = "Baseline: joint (cumulative) training",
    Summary = "Trains on all data seen so far after every task: the upper bound of a continual learner.")]
public sealed class JointLearner : ContinualLearnerBase
{
    private readonly List<LabeledData> _seen = [];

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        _seen.Add(task.Train);
        using var all = new DisposableData(Training.Concat(_seen));
        Fit(all.Data, Model.Parameters(), (x, y) =>
        {
            var logits = Model.Logits(x);
            // Task-IL: each sample's logits masked to its own task's classes.
            return Settings.TaskIncremental ? MaskedByOwnTask(logits, y) : nn.functional.cross_entropy(logits, y);
        }, progress, $"joint after task {task.Index}");
    }
}

/// <summary>
/// Experience replay with a reservoir buffer (Mammoth <c>er</c>; Avalanche <c>Replay</c> with its buffer filled after
/// each experience): each step adds the loss of a memory batch of the same size to the current batch's loss.
/// Options: <see cref="ReplayOptions"/> (<c>--memory</c>, or <c>--set memory=200</c>).
/// </summary>
[ZooExport(typeof(IContinualLearner), "replay", Task = ZooTasks.ContinualLearning, ArxivId = "1902.10486",
    Paper = "On Tiny Episodic Memories in Continual Learning (Chaudhry et al. 2019)",
    Summary = "Experience replay from a reservoir buffer (default 200 examples) mixed into every training step.")]
public sealed class ReplayLearner : ContinualLearnerBase<ReplayOptions>
{
    private ReservoirBuffer? _buffer;

    public ReservoirBuffer Buffer => _buffer ?? throw new InvalidOperationException("Initialize first.");

    protected override void OnInitialized() => _buffer = new ReservoirBuffer(Options.Memory, Rng);

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        Fit(task.Train, Model.Parameters(), (x, y) =>
        {
            var loss = TaskLoss(Model.Logits(x), y, task.Classes);
            if (Buffer.Count == 0) return loss;
            var (mx, my) = Buffer.Sample(Settings.BatchSize, Device);
            var logits = Model.Logits(mx);
            var memLoss = Settings.TaskIncremental ? MaskedByOwnTask(logits, my) : nn.functional.cross_entropy(logits, my);
            return loss + memLoss;
        }, progress, $"replay task {task.Index}");
        Buffer.Add(task.Train);   // after_training_exp: the stream's examples enter the reservoir
    }

    public override void Dispose()
    {
        _buffer?.Dispose();
        base.Dispose();
    }
}

/// <summary>Options of <see cref="ReplayLearner"/>.</summary>
public sealed record ReplayOptions
{
    [Description("Reservoir buffer size in examples (200 = 20 per class on the digits)")] public int Memory { get; init; } = 200;
}
