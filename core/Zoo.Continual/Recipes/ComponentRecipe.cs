using Zoo.Core;
using Zoo.Toolkit.Data;

namespace Zoo.Continual;

/// <summary>
/// What <see cref="ContinualRecipe"/> and <see cref="UnlearningRecipe"/> share: a host verb over one catalog component (a
/// learner or an unlearner) whose <see cref="OptionsType"/> is <see cref="ComposedOptions"/> of the run's record
/// <typeparamref name="TRun"/> and the component's own record (<see cref="ComponentOptionsType"/>), emitted once per
/// component, so the host binds it like any options record. <c>Run</c> also accepts a bare <typeparamref name="TRun"/>
/// (component defaults).
/// </summary>
public abstract class ComponentRecipe<TRun>(string verb, string component, Type componentOptionsType, string description) : IZooRecipe
    where TRun : class, new()
{
    public string Verb { get; } = verb;

    public string Model { get; } = component;

    public string Description { get; } = description;

    /// <summary>The component's own options record (<see cref="IContinualLearner.OptionsType"/>, <see cref="IUnlearner.OptionsType"/>).</summary>
    public Type ComponentOptionsType { get; } = componentOptionsType;

    /// <summary>The parts of <see cref="OptionsType"/>: the run's settings, then the component's options.</summary>
    public IReadOnlyList<Type> OptionTypes => [typeof(TRun), ComponentOptionsType];

    public Type OptionsType => ComposedOptions.Compose(Verb + "_" + Model, [.. OptionTypes]);

    public virtual IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string>();

    /// <summary>Options for a run from code: <paramref name="run"/> and the component's <paramref name="own"/> options (defaults when null).</summary>
    public ComposedOptions CreateOptions(TRun? run = null, object? own = null)
    {
        var o = (ComposedOptions)Activator.CreateInstance(OptionsType)!;
        if (run != null) o.With(run);
        if (own != null) o.With(own);
        return o;
    }

    public abstract int Run(IZooContext context, CommonOptions common, object options);

    /// <summary>The run's part and the component's part of <paramref name="options"/>.</summary>
    protected (TRun Run, object Own) Parts(object options)
    {
        var composed = options as ComposedOptions ?? CreateOptions(options as TRun
            ?? throw new ArgumentException($"{Verb} {Model}: options are a {options.GetType().Name}, expected {OptionsType.Name}."));
        return (composed.Part<TRun>(), composed.Part(ComponentOptionsType));
    }

    /// <summary>The settings of a run on the digits from the common options (epochs 3, batch 32, lr 1e-3, seed 0 by default).</summary>
    protected static ContinualSettings DigitsSettings(CommonOptions common, object own, bool taskIncremental = false) => new()
    {
        Epochs = common.Epochs ?? 3, BatchSize = common.BatchSize ?? 32, LearningRate = common.Lr ?? 1e-3, TotalClasses = DigitsCsv.Classes,
        TaskIncremental = taskIncremental, Seed = common.Seed ?? 0, Options = own,
    };

    /// <summary>Training progress shown as the description of <paramref name="task"/> ("stage: epoch 2/3 loss 0.1234").</summary>
    protected static SyncProgress Describing(IZooProgressTask task, string unit = "") =>
        new(p => task.Describe($"{p.Stage}: {unit}{p.Step}/{p.TotalSteps}{(p.Loss is double l ? $" loss {l:F4}" : "")}"));
}
