using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// What every unlearner shares: its typed options record (<typeparamref name="TOptions"/>, its command-line options), the
/// check that the model is an <see cref="IImageClassifier"/> and that there is something to forget. Subclasses implement
/// <see cref="Forget(nn.Module, IImageClassifier, LabeledData, LabeledData, IProgress{TrainingProgress})"/>, reading this call's
/// <see cref="Settings"/>, <see cref="Options"/> and <see cref="Context"/>.
/// </summary>
public abstract class UnlearnerBase<TOptions>(string name) : IUnlearner where TOptions : class, new()
{
    private ContinualSettings? _settings;
    private IZooContext? _context;

    public Type OptionsType => typeof(TOptions);

    /// <summary>The settings of the current call of <c>Forget</c>.</summary>
    protected ContinualSettings Settings => _settings ?? throw OutsideForget();

    /// <summary>This call's options (the record's defaults when none were given).</summary>
    protected TOptions Options => Settings.OptionsAs<TOptions>();

    /// <summary>The context of the current call of <c>Forget</c>.</summary>
    protected IZooContext Context => _context ?? throw OutsideForget();

    private InvalidOperationException OutsideForget() => new($"{name}: Settings, Options and Context exist inside Forget only.");

    public void Forget(nn.Module model, LabeledData forget, LabeledData retain, ContinualSettings settings, IZooContext context,
        IProgress<TrainingProgress>? progress = null)
    {
        var classifier = model as IImageClassifier
            ?? throw new ArgumentException($"{name} needs an image classifier; {model.GetType().Name} is not an IImageClassifier.");
        if (forget.Count == 0) throw new ArgumentException($"{name}: the forget set is empty.");
        (_settings, _context) = (settings, context);
        Forget(model, classifier, forget, retain, progress);
    }

    /// <summary>Edits <paramref name="model"/> (= <paramref name="classifier"/>) in place; <paramref name="forget"/> is not empty.</summary>
    protected abstract void Forget(nn.Module model, IImageClassifier classifier, LabeledData forget, LabeledData retain,
        IProgress<TrainingProgress>? progress);
}
