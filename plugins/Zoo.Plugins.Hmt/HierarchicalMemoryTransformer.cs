using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>What one segment step produced.</summary>
/// <param name="Logits">[B, t, V] next-token logits of the segment's text tokens.</param>
/// <param name="RecallWeights">[B, 1, N_n] recall attention over the cache, null when recall did not run.</param>
/// <param name="Written">[B, 1, d] the memory embedding written by this segment (cached).</param>
/// <param name="State">The state for the next segment.</param>
public sealed record HmtSegmentOutput(Tensor Logits, Tensor? RecallWeights, Tensor Written, MemoryState State);

/// <summary>
/// HMT (He et al., arXiv:2405.06067; HMT-pytorch RecurrentWrapper) around any <see cref="ISequenceModel"/>. Per segment H_n:
/// (1) S_n = BB([T, E(H_n[:half]), T])[last] with the summary prompt T (<c>mem</c>); (2) P_n = recall(S_n, cache), or
/// m_init for the first segment; (3) out = BB([P_n, E(sensory), E(H_n), P_n]), logits from the text positions,
/// m_n = out[last]; (4) cache m_n, keeping the last N. State keys: "cache" [B, n, d], "memory" [B, 0|1, d]
/// (last written memory, read directly when recall is off: stage 1), "sensory" [B, k'] int64.
/// </summary>
public sealed class HierarchicalMemoryTransformer : nn.Module<Tensor, Tensor>, ICausalLanguageModel
{
    private readonly MemoryCell memory_cell;
    private readonly Parameter mem;
    private readonly CrossAttentionMemory cross_attn;

    public HierarchicalMemoryTransformer(HmtConfig config, nn.Module backbone) : base("HierarchicalMemoryTransformer")
    {
        config.Validate();
        Config = config;
        if (backbone is not ISequenceModel seq)
            throw new ArgumentException($"HMT: backbone '{config.Backbone}' ({backbone.GetType().Name}) does not implement ISequenceModel.");
        if (config.SegmentLength > seq.MaxContext)
            throw new ArgumentException($"HMT: segment_length {config.SegmentLength} exceeds the backbone window (max_context {seq.MaxContext}).");
        double std;
        using (no_grad())
        using (var scope = NewDisposeScope())
            std = seq.Embed(arange(seq.VocabSize, dtype: ScalarType.Int64)).std().item<float>();
        if (!(std > 0)) std = 0.02;
        memory_cell = new MemoryCell(backbone, std);
        mem = nn.Parameter(randn(1, seq.ModelDim) * std);
        cross_attn = new CrossAttentionMemory(seq.ModelDim, config.MemRecallHiddenDim);
        RegisterComponents();
        UseRecall = config.UseRecall;
        if (config.FreezeBackbone)
            foreach (var p in backbone.parameters()) p.requires_grad = false;
    }

    public HmtConfig Config { get; }

    /// <summary>Recall on (stage 2, inference) or off (stage 1); starts from the configuration.</summary>
    public bool UseRecall { get; set; }

    public ISequenceModel Backbone => memory_cell.Backbone;

    public nn.Module BackboneModule => memory_cell.BackboneModule;

    /// <summary>The parameters HMT adds (m_init, summary prompt, recall projections).</summary>
    public IEnumerable<Parameter> MemoryParameters() =>
        named_parameters().Where(p => !p.name.StartsWith("memory_cell.model.", StringComparison.Ordinal)).Select(p => p.parameter);

    /// <summary>Parameters the optimiser should update: HMT's own, plus the backbone's unless frozen.</summary>
    public IEnumerable<Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);

    /// <summary>An empty state for a batch: no cache, no memory written yet, no sensory tokens.</summary>
    public MemoryState InitialState(long batch)
    {
        var d = Backbone.ModelDim;
        var dev = mem.device;
        return new MemoryState(new Dictionary<string, Tensor>
        {
            ["cache"] = zeros(batch, 0, d, device: dev),
            ["memory"] = zeros(batch, 0, d, device: dev),
            ["sensory"] = zeros(batch, 0, dtype: ScalarType.Int64, device: dev),
        });
    }

    /// <summary>Checks a token tensor: int64 [B, T], ids inside the backbone vocabulary.</summary>
    public void CheckTokens(Tensor tokens, string what = "tokens")
    {
        if (tokens.dtype != ScalarType.Int64) throw new ArgumentException($"HMT: {what} must be int64 token ids, got {tokens.dtype}.");
        if (tokens.dim() != 2 || tokens.shape[0] < 1 || tokens.shape[1] < 1)
            throw new ArgumentException($"HMT: {what} must be [batch, length] with both > 0, got [{string.Join(", ", tokens.shape)}].");
        var (lo, hi) = (tokens.min().item<long>(), tokens.max().item<long>());
        if (lo < 0 || hi >= Backbone.VocabSize)
            throw new ArgumentException($"HMT: {what} hold ids in [{lo}, {hi}] but the backbone vocabulary is [0, {Backbone.VocabSize}).");
    }

    /// <summary>One segment (steps 1-4 of the algorithm). <paramref name="segment"/> [B, t] with 1 &lt;= t &lt;= the text block.</summary>
    public HmtSegmentOutput ForwardSegment(Tensor segment, MemoryState state)
    {
        var b = segment.shape[0];
        var t = segment.shape[1];
        if (segment.dim() != 2 || t < 1 || t > Config.TextBlock)
            throw new ArgumentException($"HMT: a segment must be [batch, 1..{Config.TextBlock}] tokens, got [{string.Join(", ", segment.shape)}].");
        var cache = state["cache"];
        if (cache.shape[0] != b) throw new ArgumentException($"HMT: state is for batch {cache.shape[0]}, segment has batch {b}.");
        Tensor? weights = null;
        Tensor read;
        if (UseRecall && cache.shape[1] > 0)
        {
            // (1) representation encoding: summary prompt around the first sum_fraction of the segment, no sensory tokens
            var half = Math.Max(1, (int)Math.Round(Config.TextBlock * Config.SumFraction));
            var head = segment.narrow(1, 0, Math.Min(half, t));
            var prompt = mem.unsqueeze(0).expand(b, 1, mem.shape[1]);
            var (_, summary) = memory_cell.Forward(head, prompt, null);
            // (2) memory search over the cached embeddings
            (read, weights) = cross_attn.Recall(cache, summary);
        }
        else if (!UseRecall && state["memory"].shape[1] > 0)
            read = state["memory"];                       // stage 1: the previous memory embedding, RMT-like
        else
            read = memory_cell.InitialMemory(b);
        // (3) segment pass with recalled memory at both ends and the sensory memory
        var sensory = state["sensory"];
        var (textHidden, written) = memory_cell.Forward(segment, read, sensory.shape[1] > 0 ? sensory : null);
        var logits = Backbone.Head(textHidden);
        // (4) cache the written memory (FIFO of the last N); keep the last k tokens as the next sensory memory
        var newCache = cat([cache, written], 1);
        if (newCache.shape[1] > Config.MemRecallContext)
            newCache = newCache.narrow(1, newCache.shape[1] - Config.MemRecallContext, Config.MemRecallContext);
        var k = Math.Min(Config.NumSensory, (int)t);
        var newSensory = segment.narrow(1, t - k, k);
        var next = new MemoryState(new Dictionary<string, Tensor> { ["cache"] = newCache, ["memory"] = written, ["sensory"] = newSensory });
        return new HmtSegmentOutput(logits, weights, written, next);
    }

    /// <summary>Runs every segment of <paramref name="tokens"/> [B, T] from <paramref name="state"/> (a fresh state when null).</summary>
    public (Tensor Logits, MemoryState State) Forward(Tensor tokens, MemoryState? state = null)
    {
        CheckTokens(tokens);
        var s = state ?? InitialState(tokens.shape[0]);
        var logits = new List<Tensor>();
        foreach (var seg in Segmentation.Split(tokens, Config.TextBlock))
        {
            var o = ForwardSegment(seg, s);
            logits.Add(o.Logits);
            s = o.State;
        }
        return (cat(logits, 1), s);
    }

    /// <summary>
    /// Streams <paramref name="tokens"/> [B, T] segment by segment, each in its own dispose scope, so memory stays that of one
    /// window plus the cache whatever T is. <paramref name="onSegment"/> sees each segment's output inside its scope (copy out
    /// what you keep). Returns the final state (owned by the caller).
    /// </summary>
    public MemoryState Stream(Tensor tokens, Action<int, HmtSegmentOutput>? onSegment = null)
    {
        CheckTokens(tokens);
        var s = InitialState(tokens.shape[0]);
        var bounds = Segmentation.Bounds(tokens.shape[1], Config.TextBlock);
        for (int i = 0; i < bounds.Count; i++)
        {
            MemoryState next;
            using (var scope = NewDisposeScope())
            {
                var o = ForwardSegment(tokens.narrow(1, bounds[i].Start, bounds[i].Length), s);
                onSegment?.Invoke(i, o);
                next = new MemoryState(o.State.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.clone()));
                next.MoveToOuterDisposeScope();
            }
            s.Dispose();
            s = next;
        }
        return s;
    }

    /// <summary>Token ids [B, T] (any T) -> logits [B, T, V].</summary>
    public override Tensor forward(Tensor tokens) => Forward(tokens).Logits;

    public int VocabSize => Backbone.VocabSize;

    public Tensor Logits(Tensor tokens) => forward(tokens);
}
