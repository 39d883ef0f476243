using System.ComponentModel;

namespace Zoo.Plugins.CodaPrompt;

/// <summary>
/// CODA-Prompt (Smith, Karlinsky, Gutta, Cascante-Bonilla, Kim, Arbelle, Panda, Feris, Kira, "CODA-Prompt: COntinual
/// Decomposed Attention-based Prompting for Rehearsal-Free Continual Learning", CVPR 2023, arXiv:2211.13218).
/// The backbone is a frozen <see cref="IExtensibleEncoder"/> (the "vit" model); per layer in <c>layers</c> a
/// <see cref="PromptComponents"/> pool is prefix-tuned together with a linear head. Query = the frozen encoder's feature
/// without prompts (Sec. 4.2). Training masks the logits of earlier tasks' classes (class-IL, as the reference code);
/// prediction covers the classes seen so far. Options: <see cref="CodaPromptOptions"/>.
/// </summary>
[ZooExport(typeof(IContinualLearner), "coda-prompt", Task = ZooTasks.ContinualLearning, ArxivId = "2211.13218",
    Paper = "CODA-Prompt: COntinual Decomposed Attention-based Prompting for Rehearsal-Free Continual Learning (Smith et al., CVPR 2023)",
    Summary = "Rehearsal-free: prompt components assembled by key-query attention, prefix-tuning a frozen ViT (needs an IExtensibleEncoder "
        + "backbone, e.g. vit).")]
public sealed class CodaPromptLearner() : ExtensibleEncoderLearner<CodaPromptOptions>("CODA-Prompt")
{
    private PromptComponents? _prompts;
    private int _tasks;
    private int _perTask;
    private double _orthoMu;

    public PromptComponents Prompts => _prompts ?? throw new InvalidOperationException("CODA-Prompt: call Initialize first.");

    /// <summary>The task being learned / last learned (components [0, (t+1)M/T) are in use).</summary>
    public int CurrentTask { get; private set; } = -1;

    protected override void OnEncoderReady()
    {
        _tasks = Options.Tasks;
        int pool = Options.Pool ?? 2 * _tasks;
        if (pool % _tasks != 0) throw new ArgumentException($"CODA-Prompt: pool ({pool}) must be a multiple of tasks ({_tasks}).");
        _perTask = pool / _tasks;
        int length = Options.Length;
        var layers = ParseLayers(Options.Layers).Where(l => l < Encoder.Depth).ToArray();
        if (layers.Length == 0) throw new ArgumentException($"CODA-Prompt: no prompted layer inside the encoder's {Encoder.Depth} blocks.");
        if (Encoder.Width % Encoder.Heads != 0) throw new ArgumentException("CODA-Prompt: encoder width not divisible by its heads.");
        _orthoMu = Options.OrthoMu;
        _prompts = new PromptComponents(layers, pool, length, Encoder.Width);
        _prompts.to(Device);
    }

    private static IEnumerable<int> ParseLayers(string spec)
    {
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (!int.TryParse(ends[0], out var a) || (ends.Length > 1 && !int.TryParse(ends[^1], out _)) || a < 0)
                throw new ArgumentException($"CODA-Prompt: layers '{spec}' is not a list like 0-4 or 0,1,2.");
            int b = ends.Length > 1 ? int.Parse(ends[^1]) : a;
            for (int i = a; i <= b; i++) yield return i;
        }
    }

    /// <summary>The query q(x): the frozen encoder's feature without prompts (no gradient).</summary>
    public Tensor Query(Tensor x)
    {
        using var _ = torch.no_grad();
        return Encoder.Encode(x, null).detach();
    }

    /// <summary>The prefix-tuning extension for a batch of queries while learning/after task <paramref name="task"/>.</summary>
    public PromptExtension ExtensionFor(Tensor query, int task, bool training)
    {
        int used = (task + 1) * _perTask;
        int frozen = training ? task * _perTask : used;
        var prompts = new Dictionary<int, Tensor>();
        foreach (var l in Prompts.Layers) prompts[l] = Prompts.Assemble(l, query, frozen, used).Prompt;
        return new PromptExtension(prompts);
    }

    /// <summary>Logits over all classes with the prompts of task <paramref name="task"/> in place.</summary>
    public Tensor Forward(Tensor x, int task, bool training)
    {
        using var scope = torch.NewDisposeScope();
        var ext = ExtensionFor(Query(x), task, training);
        return Head.forward(Encoder.Encode(x, ext)).MoveToOuterDisposeScope();
    }

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        if (task.Index >= _tasks) throw new ArgumentException($"CODA-Prompt was set up for {_tasks} tasks (--tasks N); got task {task.Index}.");
        CurrentTask = task.Index;
        Prompts.InitTask(task.Index * _perTask, (task.Index + 1) * _perTask);
        var past = SeenClasses.Except(task.Classes).ToArray();
        var parameters = Prompts.parameters().Concat(Head.parameters()).ToList();
        Fit(task.Train, parameters, (x, y) =>
        {
            var logits = Forward(x, task.Index, training: true);
            // Reference training: the logits of earlier tasks' classes are -inf (no competition with old heads).
            logits = Settings.TaskIncremental ? Training.MaskToClasses(logits, task.Classes) : Training.MaskToClasses(logits, Enumerable.Range(0,
                Settings.TotalClasses).Except(past));
            var loss = nn.functional.cross_entropy(logits, y);
            if (_orthoMu > 0) loss = loss + _orthoMu * Prompts.OrthogonalityLoss((task.Index + 1) * _perTask);
            return loss;
        }, progress, $"coda-prompt task {task.Index}");
    }

    /// <summary>Class-IL prediction over the classes seen so far (unseen classes' logits are -inf).</summary>
    protected override Tensor PredictLogits(Tensor inputs, int? taskIndex)
    {
        var logits = Forward(inputs, CurrentTask, training: false);
        return Training.MaskToClasses(logits, SeenClasses);
    }

    public override void Dispose()
    {
        _prompts?.Dispose();
        base.Dispose();
    }
}

/// <summary>Options of CODA-Prompt (<c>--set pool=10</c> etc. keep working).</summary>
public sealed record CodaPromptOptions
{
    [Description("Prompt components in total (default 2 per task)")] public int? Pool { get; init; }
    [Description("Tasks of the stream the pool is split over")] public int Tasks { get; init; } = 5;
    [Description("Prompt length Lp (8 = paper)")] public int Length { get; init; } = 8;
    [Description("Prompted blocks, e.g. 0-4 (the paper's e-layers, clipped to the depth) or 0,1,2")] public string Layers { get; init; } = "0-4";
    [Description("Weight of the orthogonality loss ||BB^T - I||^2")] public double OrthoMu { get; init; }
}
