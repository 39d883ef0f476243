using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// The backbone with its memory slots (HMT-pytorch MemoryCell): builds [P, E(sensory), E(H_n), P], runs the backbone and
/// splits the output into the text positions and the write slot (the new memory embedding, last layer after the final norm).
/// <c>memory</c> is the learned initial memory m_init read by the first segment.
/// </summary>
public sealed class MemoryCell : nn.Module
{
    private readonly nn.Module model;
    private readonly Parameter memory;

    public MemoryCell(nn.Module backbone, double initStd) : base("MemoryCell")
    {
        if (backbone is not ISequenceModel seq)
            throw new ArgumentException($"HMT: the backbone {backbone.GetType().Name} does not implement ISequenceModel (Embed, ForwardEmbeddings, Head).");
        Backbone = seq;
        model = backbone;
        memory = nn.Parameter(randn(1, seq.ModelDim) * initStd);
        RegisterComponents();
    }

    public ISequenceModel Backbone { get; }

    public nn.Module BackboneModule => model;

    /// <summary>m_init broadcast to [B, 1, d].</summary>
    public Tensor InitialMemory(long batch) => memory.unsqueeze(0).expand(batch, 1, memory.shape[1]);

    /// <summary>
    /// One backbone pass. <paramref name="text"/> [B, t] token ids, <paramref name="readMemory"/> [B, 1, d] (placed at both
    /// ends), <paramref name="sensory"/> [B, k'] token ids of the previous segment (k' may be 0).
    /// Returns the hidden states of the text positions [B, t, d] and the written memory [B, 1, d].
    /// </summary>
    public (Tensor TextHidden, Tensor Written) Forward(Tensor text, Tensor readMemory, Tensor? sensory)
    {
        var parts = new List<Tensor> { readMemory };
        var k = sensory is null ? 0 : (int)sensory.shape[1];
        if (k > 0) parts.Add(Backbone.Embed(sensory!));
        parts.Add(Backbone.Embed(text));
        parts.Add(readMemory);
        var hidden = Backbone.ForwardEmbeddings(cat(parts, 1));               // [B, 1 + k + t + 1, d]
        var t = text.shape[1];
        return (hidden.narrow(1, 1 + k, t), hidden.narrow(1, hidden.shape[1] - 1, 1));
    }
}
