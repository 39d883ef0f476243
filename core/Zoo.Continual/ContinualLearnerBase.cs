using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// What every learner shares (Avalanche's template / Mammoth's ContinualModel in small): the backbone with a
/// shared head, the classes of each task seen, a seeded RNG, task-incremental masking in <see cref="Predict"/>.
/// Subclasses implement <see cref="LearnTask"/> (before/after-task work goes there). Learners with options derive
/// from <see cref="ContinualLearnerBase{TOptions}"/>.
/// </summary>
public abstract class ContinualLearnerBase : IContinualLearner
{
    private ContinualClassifier? _model;
    private ContinualSettings? _settings;
    private IZooContext? _context;

    /// <summary>The learner's options record (<see cref="NoOptions"/> here).</summary>
    public virtual Type OptionsType => typeof(NoOptions);

    protected ContinualClassifier Model => _model ?? throw NotInitialized();

    protected ContinualSettings Settings => _settings ?? throw NotInitialized();

    /// <summary>The context given to <see cref="Initialize"/> (device, catalog, progress).</summary>
    protected IZooContext Context => _context ?? throw NotInitialized();

    protected Random Rng { get; private set; } = new(0);

    protected Device Device => Model.Device;

    /// <summary>Classes of each task learned so far, by task index.</summary>
    protected List<IReadOnlyList<int>> TaskClasses { get; } = [];

    /// <summary>All classes seen so far.</summary>
    protected IEnumerable<int> SeenClasses => TaskClasses.SelectMany(c => c).Distinct();

    private InvalidOperationException NotInitialized() => new($"{GetType().Name}: call Initialize before Learn/Predict.");

    public virtual void Initialize(nn.Module backbone, ContinualSettings settings, IZooContext context)
    {
        if (settings.Options is { } o && !OptionsType.IsInstanceOfType(o))
            throw new ArgumentException($"{GetType().Name}: options are a {o.GetType().Name}, expected {OptionsType.Name}.");
        _settings = settings;
        _context = context;
        torch.manual_seed(settings.Seed);
        Rng = new Random((int)settings.Seed);
        _model = new ContinualClassifier(backbone, settings.TotalClasses, context.Device);
        OnInitialized();
    }

    /// <summary>Called once the model exists (freeze parts, create prompts/adapters, ...).</summary>
    protected virtual void OnInitialized() { }

    public void Learn(ContinualTask task, IProgress<TrainingProgress>? progress = null)
    {
        if (task.Train.Count == 0) throw new ArgumentException($"Task {task.Index} ({task.Name}) has no training samples.");
        if (task.Classes.Any(c => c < 0 || c >= Settings.TotalClasses))
            throw new ArgumentException($"Task {task.Index} ({task.Name}) has classes outside 0..{Settings.TotalClasses - 1}.");
        while (TaskClasses.Count <= task.Index) TaskClasses.Add([]);
        TaskClasses[task.Index] = task.Classes;
        Model.Train(true);
        LearnTask(task, progress);
        Model.Train(false);
    }

    protected abstract void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress);

    /// <summary>Logits over all classes (eval mode, no grad); in task-incremental mode the other tasks' logits are -inf.</summary>
    public virtual Tensor Predict(Tensor inputs, int? taskIndex)
    {
        Model.Train(false);
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var logits = PredictLogits(inputs.to(Device), taskIndex);
        if (taskIndex is int t)
        {
            if (t < 0 || t >= TaskClasses.Count)
                throw new ArgumentOutOfRangeException(nameof(taskIndex), $"Task {t} has not been learned ({TaskClasses.Count} tasks so far).");
            logits = Training.MaskToClasses(logits, TaskClasses[t]);
        }
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Raw logits used by <see cref="Predict"/>; override for prompt/adapter selection.</summary>
    protected virtual Tensor PredictLogits(Tensor inputs, int? taskIndex) => Model.Logits(inputs);

    /// <summary>
    /// Cross-entropy for a task's training step: over all classes in class-incremental mode (the shared head, as Mammoth's
    /// sgd and Avalanche's Naive), over the task's classes only in task-incremental mode.
    /// </summary>
    protected Tensor TaskLoss(Tensor logits, Tensor y, IReadOnlyList<int> classes) =>
        nn.functional.cross_entropy(Settings.TaskIncremental ? Training.MaskToClasses(logits, classes) : logits, y);

    /// <summary>Task-IL loss on mixed-task rows (replay memory): each row's logits masked to its own task's classes.</summary>
    protected Tensor MaskedByOwnTask(Tensor logits, Tensor y)
    {
        var mask = torch.zeros_like(logits, dtype: ScalarType.Bool);
        var yl = y.cpu().data<long>().ToArray();
        for (int i = 0; i < yl.Length; i++)
            foreach (var c in TaskClasses.First(cl => cl.Contains((int)yl[i]))) mask[i, c] = true;
        return nn.functional.cross_entropy(logits.masked_fill(mask.logical_not(), float.NegativeInfinity), y);
    }

    /// <summary>Trains the given parameters on <paramref name="data"/> with <paramref name="loss"/>.</summary>
    protected double Fit(LabeledData data, IEnumerable<Parameter> parameters, Func<Tensor, Tensor, Tensor> loss,
        IProgress<TrainingProgress>? progress, string stage, int? epochs = null, Action? afterBackward = null,
        Action? beforeStep = null, double? lr = null) =>
        Training.Fit(data, parameters.Where(p => p.requires_grad).ToList(), loss, epochs ?? Settings.Epochs, Settings.BatchSize,
            lr ?? Settings.LearningRate, Rng, Device, progress, stage, afterBackward, beforeStep);

    public virtual void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A learner with a typed options record (<typeparamref name="TOptions"/>, its command-line options).</summary>
public abstract class ContinualLearnerBase<TOptions> : ContinualLearnerBase where TOptions : class, new()
{
    public override Type OptionsType => typeof(TOptions);

    /// <summary>This run's options (the record's defaults when none were given).</summary>
    protected TOptions Options => Settings.OptionsAs<TOptions>();
}
