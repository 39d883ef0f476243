using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// The HGRN-2 recurrence (Qin et al., arXiv:2404.07904, Sec. 3), a gated linear attention with a per-channel forget gate
/// and the input gate tied to it: g_t = logsigmoid(f_t) (or log(lb + (1-lb) sigmoid(f_t)) with a lower bound),
/// k_t = 1 - exp(g_t), S_t = diag(exp(g_t)) S_{t-1} + k_t v_t^T, o_t = S_t^T (q_t K^-0.5).
/// Tensors [B, H, T, D]; g [B, H, T, K]; state [B, H, K, V].
/// </summary>
public static class Hgrn2Recurrence
{
    /// <summary>Forget gate in log space; <paramref name="lowerBound"/> (0 = none) as in HGRN-2's layer-wise lower bounds.</summary>
    public static Tensor LogForget(Tensor f, double lowerBound = 0.0)
    {
        if (lowerBound <= 0) return nn.functional.logsigmoid(f);
        // log(lb + (1 - lb) sigmoid(f)) = logaddexp(log lb, log1p(-lb) + logsigmoid(f))
        return logaddexp(full_like(f, Math.Log(lowerBound)), Math.Log(1 - lowerBound) + nn.functional.logsigmoid(f));
    }

    /// <summary>Step form; k = 1 - exp(g) is derived here. Returns outputs [B,H,T,V] and the final state.</summary>
    public static (Tensor O, Tensor State) Recurrent(Tensor q, Tensor g, Tensor v, Tensor? h0 = null)
    {
        var (b, h, t, kd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        var vd = v.shape[3];
        var scale = Math.Pow(kd, -0.5);
        var k = 1 - g.exp();
        var s = h0 is null ? zeros(b, h, kd, vd, dtype: q.dtype, device: q.device) : h0.to(q.dtype);
        var outs = new List<Tensor>((int)t);
        for (long i = 0; i < t; i++)
        {
            s = s * g[.., .., i].exp().unsqueeze(-1) + k[.., .., i].unsqueeze(-1) * v[.., .., i].unsqueeze(-2);
            outs.Add(((q[.., .., i] * scale).unsqueeze(-1) * s).sum(-2));
        }
        return (stack(outs, 2), s);
    }

    /// <summary>
    /// Chunkwise-parallel (GLA) form: within a chunk with cumulative per-channel log gates G,
    /// O = (Q exp(G)) S + sum_{j&lt;=i} (sum_c q_ic k_jc exp(G_ic - G_jc)) v_j, S &lt;- exp(G_C) S + (K exp(G_C - G))^T V.
    /// The pairwise decays are formed as exp of differences (never exp(-G) alone), so long chunks stay finite.
    /// </summary>
    public static (Tensor O, Tensor State) Chunk(Tensor q, Tensor g, Tensor v, Tensor? h0 = null, int chunkSize = 32)
    {
        var (b, h, t, kd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        var vd = v.shape[3];
        var c = Math.Min(chunkSize, (int)t);
        var pad = (int)((c - t % c) % c);
        var k = 1 - g.exp();
        q = q * Math.Pow(kd, -0.5);
        if (pad > 0)
        {
            q = nn.functional.pad(q, [0, 0, 0, pad]);
            k = nn.functional.pad(k, [0, 0, 0, pad]);
            v = nn.functional.pad(v, [0, 0, 0, pad]);
            g = nn.functional.pad(g, [0, 0, 0, pad]);
        }
        var n = (t + pad) / c;
        q = q.view(b, h, n, c, kd); k = k.view(b, h, n, c, kd); v = v.view(b, h, n, c, vd);
        var gc = g.view(b, h, n, c, kd).cumsum(3);
        var upper = ones(c, c, dtype: ScalarType.Bool, device: q.device).tril().logical_not().view(c, c, 1);
        var s = h0 is null ? zeros(b, h, kd, vd, dtype: q.dtype, device: q.device) : h0.to(q.dtype);
        var outs = new List<Tensor>((int)n);
        for (long i = 0; i < n; i++)
        {
            // one chunk at a time: the [C, C, K] pairwise decays of a single chunk only
            using var scope = NewDisposeScope();
            var (qi, ki, vi, gi) = (q[.., .., i], k[.., .., i], v[.., .., i], gc[.., .., i]);
            var decay = (gi.unsqueeze(3) - gi.unsqueeze(2)).masked_fill(upper, double.NegativeInfinity).exp();      // [B,H,C,C,K]
            var attn = (qi.unsqueeze(3) * ki.unsqueeze(2) * decay).sum(-1);                                      // [B,H,C,C]
            outs.Add(((qi * gi.exp()).matmul(s) + attn.matmul(vi)).MoveToOuterDisposeScope());
            var gLast = gi[.., .., -1];                                                                            // [B,H,K]
            var kDecay = ki * (gLast.unsqueeze(2) - gi).exp();
            s = (s * gLast.exp().unsqueeze(-1) + kDecay.transpose(-1, -2).matmul(vi)).MoveToOuterDisposeScope();
        }
        var o = stack(outs, 2).view(b, h, n * c, vd);
        if (pad > 0) o = o[.., .., ..(int)t];
        return (o, s);
    }
}
