using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>
/// Where ProbSparse attention gets its key samples. By default a fresh uniform draw with replacement per call
/// (torch.randint(L_K, (L_Q, U_part)), as the reference); <see cref="Injected"/> replaces the draw (parity fixtures,
/// reproducible runs), and <see cref="Last"/> keeps the indices of the latest call.
/// </summary>
public sealed class KeySampleSource
{
    /// <summary>Key indices [L_Q, U_part] (int64) to use instead of a random draw; null draws.</summary>
    public Tensor? Injected { get; set; }

    /// <summary>The indices used by the latest call (owned here; replaced on the next call).</summary>
    public Tensor? Last { get; private set; }

    /// <summary>Top-u query indices [B, H, u] chosen by the latest call (owned here).</summary>
    public Tensor? LastTop { get; private set; }

    internal void Remember(Tensor index, Tensor top)
    {
        Last?.Dispose();
        LastTop?.Dispose();
        Last = index.detach().clone().DetachFromDisposeScope();
        LastTop = top.detach().clone().DetachFromDisposeScope();
    }
}

/// <summary>
/// ProbSparse self-attention (§3.1, Eq. 3-4): sample U_part = c ceil(ln L_K) keys per query, score each query by the
/// max-mean measure M̄(q, K) (Eq. 4), let only the top u = c ceil(ln L_Q) queries attend to all keys, and give the
/// lazy queries mean(V) (encoder) or cumsum(V) (masked decoder self-attention).
/// </summary>
public sealed class ProbAttention : InnerAttention
{
    private readonly bool maskFlag;
    private readonly int factor;
    private readonly Dropout dropout;   // the reference defines it and never applies it; kept for parity

    public ProbAttention(bool maskFlag, int factor, double attentionDropout) : base(nameof(ProbAttention))
    {
        this.maskFlag = maskFlag;
        this.factor = factor;
        dropout = nn.Dropout(attentionDropout);
        RegisterComponents();
    }

    public override bool MaskFlag => maskFlag;

    /// <summary>Key-sample injection and inspection.</summary>
    public KeySampleSource Samples { get; } = new();

    /// <summary>c ceil(ln L), capped at L (the reference's U_part and u).</summary>
    public static int Budget(int factor, long length) => (int)Math.Min(length, factor * (long)Math.Ceiling(Math.Log(length)));

    public override Tensor Attend(Tensor queries, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        long B = queries.shape[0], LQ = queries.shape[1], H = queries.shape[2], D = queries.shape[3];
        long LK = keys.shape[1];
        var q = queries.transpose(1, 2);   // [B, H, L_Q, D]
        var k = keys.transpose(1, 2);      // [B, H, L_K, D]
        var v = values.transpose(1, 2);    // [B, H, L_V, D]
        int uPart = Budget(factor, LK);
        int u = Budget(factor, LQ);

        var indexSample = Samples.Injected is { } given ? CheckInjected(given, LQ, LK, uPart).to(q.device)
            : randint(LK, [LQ, uPart], dtype: ScalarType.Int64, device: q.device);

        // Eq. 4 on the sampled pairs: M̄ = max_j(q k_j^T) - sum_j(q k_j^T) / L_K (the reference divides by L_K).
        var kSample = k.index_select(2, indexSample.flatten()).view(B, H, LQ, uPart, D);
        var qkSample = q.unsqueeze(-2).matmul(kSample.transpose(-2, -1)).squeeze(-2);        // [B, H, L_Q, U_part]
        var m = qkSample.max(-1).values - qkSample.sum(-1) / (double)LK;
        var mTop = m.topk(u, dim: -1, largest: true, sorted: false).indexes;                   // [B, H, u]

        // The active queries attend to all keys.
        var topIndex = mTop.unsqueeze(-1).expand(B, H, u, D);
        var qReduce = q.gather(2, topIndex);
        var scores = qReduce.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(D));              // [B, H, u, L_K]

        Tensor context;
        if (maskFlag)
        {
            if (LQ != v.shape[2]) throw new ArgumentException($"Masked ProbSparse attention needs L_Q == L_V, got {LQ} and {v.shape[2]}.");
            context = v.cumsum(2);   // lazy queries of the masked decoder: the cumulative sum of V
            // ProbMask: a selected query at position p sees keys 0..p.
            var keyPos = arange(LK, dtype: ScalarType.Int64, device: q.device).view(1, 1, 1, LK);
            scores = scores.masked_fill(keyPos > mTop.unsqueeze(-1), double.NegativeInfinity);
        }
        else
        {
            context = v.mean([2], keepdim: true).expand(B, H, LQ, D);   // lazy queries: mean(V)
        }
        var attn = softmax(scores, -1);
        context = context.scatter(2, topIndex, attn.matmul(v));
        Samples.Remember(indexSample, mTop);
        return context.transpose(1, 2).contiguous().MoveToOuterDisposeScope();   // [B, L_Q, H, D]
    }

    private static Tensor CheckInjected(Tensor index, long lq, long lk, int uPart)
    {
        if (index.dtype != ScalarType.Int64 || index.dim() != 2 || index.shape[0] != lq || index.shape[1] != uPart)
            throw new ArgumentException($"Injected ProbSparse key indices must be int64 [{lq}, {uPart}] (L_Q, " +
                $"U_part), got {index.dtype} [{string.Join(", ", index.shape)}].");
        if (index.numel() > 0 && (index.min().item<long>() < 0 || index.max().item<long>() >= lk))
            throw new ArgumentException($"Injected ProbSparse key indices must lie in [0, {lk}).");
        return index;
    }
}
