using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// A backbone seen through Zoo.Core's image contracts with a shared class-incremental head over all classes: the
/// backbone's own head when it is an <see cref="IImageClassifier"/> with exactly <c>TotalClasses</c> outputs, otherwise a
/// learner-owned Linear on <see cref="IImageEncoder.Encode"/>. Works for any image plugin (tnt, vit, ...) without a
/// compile-time reference to it.
/// </summary>
public sealed class ContinualClassifier : IDisposable
{
    private readonly IImageClassifier? _classifier;

    public ContinualClassifier(nn.Module backbone, int totalClasses, Device device)
    {
        Backbone = backbone;
        Encoder = backbone as IImageEncoder
            ?? throw new ArgumentException($"The backbone {backbone.GetType().Name} implements neither IImageClassifier nor IImageEncoder.");
        Device = device;
        TotalClasses = totalClasses;
        backbone.to(device);
        if (backbone is IImageClassifier c && c.NumClasses == totalClasses) _classifier = c;
        else
        {
            Head = nn.Linear(Encoder.EmbeddingDim, totalClasses);
            Head.to(device);
        }
    }

    public nn.Module Backbone { get; }

    public IImageEncoder Encoder { get; }

    /// <summary>The learner-owned head (null when the backbone's own head is used).</summary>
    public Linear? Head { get; }

    public Device Device { get; }

    public int TotalClasses { get; }

    public ImageInputSpec InputSpec => Encoder.InputSpec;

    /// <summary>[B, C, H, W] -> logits [B, TotalClasses].</summary>
    public Tensor Logits(Tensor x) => _classifier != null ? _classifier.Classify(x) : HeadOf(Encoder.Encode(x));

    /// <summary>The pre-head feature [B, EmbeddingDim].</summary>
    public Tensor Features(Tensor x) => Encoder.Encode(x);

    /// <summary>Head applied to features (backbone head when it has one).</summary>
    public Tensor HeadOf(Tensor features)
    {
        if (Head != null) return Head.forward(features);
        throw new InvalidOperationException("The backbone classifies end to end; use Logits.");
    }

    /// <summary>Every trainable tensor: backbone parameters and the head's.</summary>
    public IEnumerable<Parameter> Parameters() => Head == null ? Backbone.parameters() : Backbone.parameters().Concat(Head.parameters());

    public IEnumerable<(string Name, Parameter Param)> NamedParameters() => Head == null
        ? Backbone.named_parameters()
        : Backbone.named_parameters().Concat(Head.named_parameters().Select(p => ("zoo_head." + p.name, p.parameter)));

    public void Train(bool on)
    {
        Backbone.train(on);
        Head?.train(on);
    }

    public void Dispose() => Head?.Dispose();
}
