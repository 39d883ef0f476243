using System.Text.Json.Nodes;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// Configuration of an HMT wrapper (He et al., arXiv:2405.06067 Sec. 3; names follow HMT-pytorch hmt_src/main.py).
/// The backbone is any zoo model implementing <c>ISequenceModel</c>, asked of the context's catalog as
/// <c>name[:preset]</c> with <see cref="BackboneConfig"/> laid over the preset.
/// </summary>
public sealed record HmtConfig
{
    /// <summary>The backbone (an ISequenceModel) as name[@version][:preset], e.g. "hybrid-lm" or "hybrid-lm:attention-2l".</summary>
    public string Backbone { get; init; } = "hybrid-lm";

    /// <summary>Overrides laid over the backbone's preset (its own field names; null = the preset as it is).</summary>
    public JsonObject? BackboneConfig { get; init; }

    /// <summary>
    /// The backbone window L: every backbone pass reads at most L embeddings. It holds 2 memory slots, k sensory
    /// tokens and the segment's text block, so a segment carries L - 2 - k new tokens.
    /// </summary>
    public int SegmentLength { get; init; } = 64;

    /// <summary>k: sensory memory, the last k token embeddings of the previous segment (Sec. 3.1).</summary>
    public int NumSensory { get; init; } = 8;

    /// <summary>Fraction of a segment's text block the summary pass reads (Sec. 3.2, representation encoding).</summary>
    public double SumFraction { get; init; } = 0.5;

    /// <summary>N: long-term memory, how many cached memory embeddings recall attends over (FIFO).</summary>
    public int MemRecallContext { get; init; } = 100;

    /// <summary>h: width of the recall query/key projections.</summary>
    public int MemRecallHiddenDim { get; init; } = 64;

    /// <summary>Memory recall on (stage 2 / inference). Off = stage 1: the previous memory embedding is read directly (RMT-like).</summary>
    public bool UseRecall { get; init; } = true;

    /// <summary>Freeze the backbone (only the HMT parameters train) or train it with them.</summary>
    public bool FreezeBackbone { get; init; } = true;

    /// <summary>Text tokens per segment: L - 2 - k.</summary>
    public int TextBlock => SegmentLength - 2 - NumSensory;

    /// <summary>Checks the numbers; the message names the field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Backbone)) throw new ArgumentException("hmt: backbone must name a sequence model (e.g. hybrid-lm).");
        if (NumSensory < 0) throw new ArgumentException($"hmt: num_sensory must be >= 0, not {NumSensory}.");
        if (SegmentLength - 2 - NumSensory < 2)
            throw new ArgumentException($"hmt: segment_length {SegmentLength} leaves {SegmentLength - 2 - NumSensory} text tokens after 2 memory slots and {NumSensory} sensory tokens; need at least 2.");
        if (!(SumFraction > 0 && SumFraction <= 1)) throw new ArgumentException($"hmt: sum_fraction must be in (0, 1], not {SumFraction}.");
        if (MemRecallContext < 1) throw new ArgumentException($"hmt: mem_recall_context must be >= 1, not {MemRecallContext}.");
        if (MemRecallHiddenDim < 1) throw new ArgumentException($"hmt: mem_recall_hidden_dim must be >= 1, not {MemRecallHiddenDim}.");
    }
}
