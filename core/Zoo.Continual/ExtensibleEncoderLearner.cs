using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// A learner on a frozen pre-trained <see cref="IExtensibleEncoder"/> (the "vit" model) that trains prompts or adapters
/// beside it and its own linear <see cref="Head"/> over all classes (CODA-Prompt, MOS). <see cref="OnEncoderReady"/> creates
/// the learner's parts once <see cref="Encoder"/> exists; the head is created after them.
/// </summary>
public abstract class ExtensibleEncoderLearner<TOptions>(string learner) : ContinualLearnerBase<TOptions> where TOptions : class, new()
{
    private Linear? _head;

    public IExtensibleEncoder Encoder { get; private set; } = null!;

    public Linear Head => _head ?? throw new InvalidOperationException($"{learner}: call Initialize first.");

    protected sealed override void OnInitialized()
    {
        Encoder = Model.Backbone as IExtensibleEncoder ?? throw new ArgumentException(
            $"{learner} needs a backbone that implements IExtensibleEncoder (e.g. --model vit); {Model.Backbone.GetType().Name} does not.");
        foreach (var p in Model.Backbone.parameters()) p.requires_grad = false;   // frozen pre-trained encoder
        OnEncoderReady();
        _head = nn.Linear(Encoder.EmbeddingDim, Settings.TotalClasses);
        _head.to(Device);
    }

    /// <summary>Creates the learner's prompts/adapters (the encoder is frozen, the head does not exist yet).</summary>
    protected abstract void OnEncoderReady();

    public override void Dispose()
    {
        _head?.Dispose();
        base.Dispose();
    }
}
