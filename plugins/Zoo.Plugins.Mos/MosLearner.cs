using System.ComponentModel;

namespace Zoo.Plugins.Mos;

/// <summary>
/// MOS (Sun, Zhou, Zhao, Gan, Zhan, Ye, "MOS: Model Surgery for Pre-Trained Model-Based Class-Incremental Learning",
/// AAAI 2025, arXiv:2412.09441). On a frozen <see cref="IExtensibleEncoder"/>: one bottleneck adapter set per task beside the
/// MLPs (<see cref="TaskAdapters"/>), merged towards the mean of earlier sets after every step (α = <c>alpha</c>); a shared
/// linear head trained with earlier classes' logits masked, then aligned on Gaussian samples of stored class features
/// (<see cref="ClassFeatureStatistics"/>); at test time self-refined adapter retrieval (<see cref="SelfRefinedRetrieval"/>).
/// Task-incremental prediction uses the given task's adapter. Options: <see cref="MosOptions"/>.
/// </summary>
[ZooExport(typeof(IContinualLearner), "mos", Task = ZooTasks.ContinualLearning, ArxivId = "2412.09441",
    Paper = "MOS: Model Surgery for Pre-Trained Model-Based Class-Incremental Learning (Sun et al., AAAI 2025)",
    Summary = "Per-task adapters on a frozen ViT, adapter merging, classifier alignment, training-free self-refined adapter retrieval "
        + "(needs an IExtensibleEncoder backbone, e.g. vit).")]
public sealed class MosLearner() : ExtensibleEncoderLearner<MosOptions>("MOS")
{
    private TaskAdapters? _adapters;
    private readonly ClassFeatureStatistics _stats = new();
    private readonly List<int> _classToTask = [];
    private double _alpha, _caLr, _reg;
    private int _caEpochs, _maxIter;
    private bool _ensemble;

    public TaskAdapters Adapters => _adapters ?? throw new InvalidOperationException("MOS: call Initialize first.");

    public ClassFeatureStatistics Statistics => _stats;

    /// <summary>Task of each class seen so far (-1 for unseen classes).</summary>
    public IReadOnlyList<int> ClassToTask => _classToTask;

    /// <summary>Adapter indices the last class-incremental prediction ended on (for inspection).</summary>
    public int[] LastRetrieval { get; private set; } = [];

    protected override void OnEncoderReady()
    {
        _alpha = Options.Alpha;
        if (_alpha < 0 || _alpha > 1) throw new ArgumentException($"MOS: alpha must be in [0, 1], got {_alpha}.");
        int bottleneck = Options.Bottleneck;
        double scale = Options.Scale;
        _caEpochs = Options.CaEpochs;
        _caLr = Options.CaLr;
        _maxIter = Options.MaxIter;
        _ensemble = Options.Ensemble;
        _reg = Options.Reg;
        _adapters = new TaskAdapters(Encoder.Depth, Encoder.Width, bottleneck, scale);
        _adapters.to(Device);
        _classToTask.AddRange(Enumerable.Repeat(-1, Settings.TotalClasses));
    }

    /// <summary>The encoder's feature [B, EmbeddingDim] with task <paramref name="task"/>'s adapter set beside every MLP.</summary>
    public Tensor Features(Tensor x, int task) => Encoder.Encode(x, new AdapterExtension(Adapters.SetFor(task).ToList()));

    /// <summary>The plain frozen encoder's feature (no adapters).</summary>
    public Tensor PlainFeatures(Tensor x) => Encoder.Encode(x, null);

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        if (task.Index != Adapters.Stored.Count)
            throw new ArgumentException($"MOS learns tasks in order: expected task {Adapters.Stored.Count}, got {task.Index}.");
        foreach (var c in task.Classes) _classToTask[c] = task.Index;
        var parameters = TaskAdapters.ParametersOf(Adapters.Current).Concat(Head.parameters()).ToList();
        bool stepped = false;
        Fit(task.Train, parameters, (x, y) =>
        {
            var feats = Features(x, task.Index);
            // Reference training: only the current task's classes compete (earlier classes -inf, later ones cut off).
            var logits = Training.MaskToClasses(Head.forward(feats), task.Classes);
            var loss = nn.functional.cross_entropy(logits, y);
            if (_reg > 0) loss = loss + _reg * FeatureOrthogonality(feats);
            return loss;
        }, progress, $"mos task {task.Index}",
        beforeStep: () =>
        {
            // adapter merging after every optimiser step (run before the next step's forward; the last one is in FinishTask)
            if (stepped) Adapters.Merge(_alpha);
            stepped = true;
        });
        Adapters.FinishTask(_alpha);
        StoreStatistics(task);
        if (task.Index > 0 && !Settings.TaskIncremental)
        {
            var seen = SeenClasses.ToArray();
            var loss = _stats.Align(Head, seen, Settings.TotalClasses, _caEpochs, Settings.BatchSize * 5, _caLr, l => Training.MaskToClasses(l, seen));
            progress?.Report(new TrainingProgress($"mos align {task.Index}", _caEpochs, _caEpochs, loss));
        }
    }

    /// <summary>
    /// The reference's optional regulariser on the batch features f and the stored class means μ: cross-entropy of
    /// ([μ; f][μ; f]^T / 0.8) against the identity (each row most similar to itself); weight <c>reg</c>.
    /// </summary>
    private Tensor FeatureOrthogonality(Tensor feats)
    {
        var m = _stats.Classes.Count == 0
            ? feats
            : torch.cat([torch.stack(_stats.Classes.Select(c => _stats[c].Mean.to(ScalarType.Float32).to(Device)).ToArray()), feats], 0);
        var sim = m.matmul(m.t()) / 0.8;
        return nn.functional.cross_entropy(sim, torch.arange(sim.shape[0], device: Device));
    }

    private void StoreStatistics(ContinualTask task)
    {
        using var _ = torch.no_grad();
        var labels = task.Train.Labels;
        foreach (var c in task.Classes)
        {
            using var scope = torch.NewDisposeScope();
            var idx = labels.eq(c).nonzero().squeeze(1);
            var x = task.Train.Inputs.index_select(0, idx.to(task.Train.Inputs.device));
            var feats = new List<Tensor>();
            for (long s = 0; s < x.shape[0]; s += 256)
                feats.Add(Features(x.narrow(0, s, Math.Min(256, x.shape[0] - s)).to(Device), task.Index));
            _stats.Add(c, torch.cat(feats, 0));
        }
    }

    protected override Tensor PredictLogits(Tensor inputs, int? taskIndex)
    {
        if (taskIndex is int t) return Head.forward(Features(inputs, t));   // task-IL: the task's own adapter
        int tasks = Adapters.Stored.Count;
        if (tasks == 0) throw new InvalidOperationException("MOS: nothing learned yet.");
        var seen = SeenClasses.ToArray();
        var perAdapter = torch.stack(Enumerable.Range(0, tasks).Select(k => Training.MaskToClasses(Head.forward(Features(inputs, k)), seen)).ToArray());
        var (refined, chosen) = SelfRefinedRetrieval.Refine(perAdapter, _classToTask, _maxIter);
        LastRetrieval = chosen;
        if (!_ensemble) return refined;
        // probabilities, returned as log-probabilities so -inf stays on unseen classes and argmax is unchanged
        return SelfRefinedRetrieval.Ensemble(refined, perAdapter[0], tasks).log();
    }

    public override void Dispose()
    {
        _adapters?.Dispose();
        base.Dispose();
    }
}

/// <summary>Options of MOS (<c>--set alpha=0.1</c> etc. keep working; <c>--set ensemble=0</c> turns the ensemble off).</summary>
public sealed record MosOptions
{
    [Description("Adapter merging weight towards the mean of earlier adapter sets, in [0, 1]")] public double Alpha { get; init; } = 0.1;
    [Description("Adapter bottleneck width")] public int Bottleneck { get; init; } = 16;
    [Description("Adapter output scale")] public double Scale { get; init; } = 0.1;
    [Description("Epochs of classifier alignment on sampled class features")] public int CaEpochs { get; init; } = 5;
    [Description("Learning rate of classifier alignment")] public double CaLr { get; init; } = 0.01;
    [Description("Iterations of self-refined adapter retrieval")] public int MaxIter { get; init; } = 4;
    [Description("Ensemble the refined prediction with the first adapter's")] public bool Ensemble { get; init; } = true;
    [Description("Weight of the feature-orthogonality loss (0: off)")] public double Reg { get; init; }
}
