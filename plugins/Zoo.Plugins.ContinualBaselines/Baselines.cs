using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Continual;

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
        var classesOf = TaskClasses.ToArray();
        Fit(all.Data, Model.Parameters(), (x, y) =>
        {
            var logits = Model.Logits(x);
            if (!Settings.TaskIncremental) return nn.functional.cross_entropy(logits, y);
            // Task-IL: mask each sample's logits to its own task's classes.
            var mask = torch.zeros_like(logits, dtype: ScalarType.Bool);
            var yl = y.cpu().data<long>().ToArray();
            for (int i = 0; i < yl.Length; i++)
                foreach (var c in classesOf.First(cl => cl.Contains((int)yl[i]))) mask[i, c] = true;
            return nn.functional.cross_entropy(logits.masked_fill(mask.logical_not(), float.NegativeInfinity), y);
        }, progress, $"joint after task {task.Index}");
    }
}

/// <summary>Disposes a concatenated split.</summary>
internal sealed class DisposableData(LabeledData data) : IDisposable
{
    public LabeledData Data { get; } = data;

    public void Dispose()
    {
        Data.Inputs.Dispose();
        Data.Labels.Dispose();
    }
}

/// <summary>
/// A reservoir buffer (Vitter 1985; Mammoth <c>Buffer</c>, Chaudhry et al. 2019 "On Tiny Episodic Memories"): every
/// example of the stream has the same chance <c>capacity / seen</c> of being in memory.
/// </summary>
public sealed class ReservoirBuffer : IDisposable
{
    private Tensor? _x;
    private Tensor? _y;
    private readonly Random _rng;

    public ReservoirBuffer(int capacity, Random rng)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "the buffer needs room for at least one example.");
        Capacity = capacity;
        _rng = rng;
    }

    public int Capacity { get; }

    /// <summary>Examples offered so far.</summary>
    public long Seen { get; private set; }

    public int Count { get; private set; }

    /// <summary>Offers every row of <paramref name="data"/> to the reservoir, in a random order.</summary>
    public void Add(LabeledData data)
    {
        var order = Enumerable.Range(0, (int)data.Count).ToArray();
        _rng.Shuffle(order);
        using var _ = torch.no_grad();
        foreach (var i in order)
        {
            int slot;
            if (Count < Capacity) slot = Count++;
            else
            {
                long j = _rng.NextInt64(Seen + 1);
                slot = j < Capacity ? (int)j : -1;
            }
            Seen++;
            if (slot < 0) continue;
            if (_x is null)
            {
                var shape = data.Inputs.shape.ToArray();
                shape[0] = Capacity;
                // The buffer outlives any dispose scope it is first filled in (e.g. a training step).
                _x = torch.zeros(shape, dtype: data.Inputs.dtype).DetachFromDisposeScope();
                _y = torch.zeros(Capacity, dtype: ScalarType.Int64).DetachFromDisposeScope();
            }
            _x[slot] = data.Inputs[i];
            _y![slot] = data.Labels[i];
        }
    }

    /// <summary>The filled part of the buffer.</summary>
    public LabeledData Contents => _x is null ? throw new InvalidOperationException("The buffer is empty.") : new LabeledData(_x.narrow(0, 0, Count), _y!.narrow(0, 0, Count));

    /// <summary>A random mini-batch from memory (with replacement across calls, without within one).</summary>
    public (Tensor X, Tensor Y) Sample(int size, Device device)
    {
        if (Count == 0) throw new InvalidOperationException("The buffer is empty.");
        var idx = Enumerable.Range(0, Count).Select(i => (long)i).ToArray();
        _rng.Shuffle(idx);
        return Training.Take(Contents, idx.Take(Math.Min(size, Count)).ToArray(), device);
    }

    /// <summary>Stored examples per class.</summary>
    public IReadOnlyDictionary<int, int> ClassCounts() => Count == 0 ? new Dictionary<int, int>() :
        _y!.narrow(0, 0, Count).data<long>().ToArray().GroupBy(v => (int)v).ToDictionary(g => g.Key, g => g.Count());

    public void Dispose()
    {
        _x?.Dispose();
        _y?.Dispose();
    }
}

/// <summary>
/// Experience replay with a reservoir buffer (Mammoth <c>er</c>; Avalanche <c>Replay</c> with its buffer filled after
/// each experience): each step adds the loss of a memory batch of the same size to the current batch's loss.
/// Extras: <c>memory</c> (buffer size, default 200 = 20 per class on digits).
/// </summary>
[ZooExport(typeof(IContinualLearner), "replay", Task = ZooTasks.ContinualLearning, Paper = "On Tiny Episodic Memories in Continual Learning (Chaudhry et al. 2019)",
    ArxivId = "1902.10486", Summary = "Experience replay from a reservoir buffer (default 200 examples) mixed into every training step.")]
public sealed class ReplayLearner : ContinualLearnerBase
{
    private ReservoirBuffer? _buffer;

    public ReservoirBuffer Buffer => _buffer ?? throw new InvalidOperationException("Initialize first.");

    protected override void OnInitialized() => _buffer = new ReservoirBuffer(Settings.ExtraInt("memory", 200), Rng);

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

    private Tensor MaskedByOwnTask(Tensor logits, Tensor y)
    {
        var mask = torch.zeros_like(logits, dtype: ScalarType.Bool);
        var yl = y.cpu().data<long>().ToArray();
        for (int i = 0; i < yl.Length; i++)
            foreach (var c in TaskClasses.First(cl => cl.Contains((int)yl[i]))) mask[i, c] = true;
        return nn.functional.cross_entropy(logits.masked_fill(mask.logical_not(), float.NegativeInfinity), y);
    }

    public override void Dispose()
    {
        _buffer?.Dispose();
        base.Dispose();
    }
}
