using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// The gated delta rule (Yang, Kautz, Hatamizadeh, arXiv:2412.06464, eq. 10), as flash-linear-attention computes it:
/// per head, state S [K, V];  S_t = exp(g_t)(I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T,  o_t = S_t^T q_t.
/// Tensors are [B, H, T, D]; gates g (log decay, &lt;= 0) and beta are [B, H, T]; state [B, H, K, V] (K-first).
/// Two forms: <see cref="Recurrent"/> (token by token) and <see cref="Chunk"/> (chunkwise parallel, WY/UT transform).
/// </summary>
public static class GatedDeltaRule
{
    /// <summary>fla's l2norm: x / sqrt(sum x^2 + eps), eps = 1e-6 inside the square root.</summary>
    public static Tensor L2Norm(Tensor x, double eps = 1e-6) => x / (x.square().sum(-1, keepdim: true) + eps).sqrt();

    /// <summary>fla's naive_gdn_gate: g = -exp(A_log) * softplus(a + dt_bias); A_log and dt_bias are per head [H], a is [B, H, T].</summary>
    public static Tensor Gate(Tensor a, Tensor aLog, Tensor dtBias) =>
        -aLog.exp().view(1, -1, 1) * nn.functional.softplus(a + dtBias.view(1, -1, 1));

    /// <summary>Normalises q (scaled by K^-0.5) and k as the fla kernel does when use_qk_l2norm_in_kernel is set.</summary>
    public static (Tensor Q, Tensor K) NormaliseQK(Tensor q, Tensor k)
    {
        var kd = q.shape[^1];
        return (L2Norm(q) * Math.Pow(kd, -0.5), L2Norm(k));
    }

    /// <summary>
    /// Step form. q, k already normalised (see <see cref="NormaliseQK"/>). Returns outputs [B,H,T,V], the final state
    /// [B,H,K,V] and, if asked, the state after every step [B,H,T,K,V].
    /// </summary>
    public static (Tensor O, Tensor State, Tensor? States) Recurrent(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor? h0 = null,
        bool keepStates = false)
    {
        var (b, h, t, kd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        var vd = v.shape[3];
        var s = h0 is null ? zeros(b, h, kd, vd, dtype: q.dtype, device: q.device) : h0.to(q.dtype);
        var outs = new List<Tensor>((int)t);
        var states = keepStates ? new List<Tensor>((int)t) : null;
        for (long i = 0; i < t; i++)
        {
            var qi = q[.., .., i];                 // [B,H,K]
            var ki = k[.., .., i];
            var vi = v[.., .., i];                 // [B,H,V]
            s = s * g[.., .., i].exp().unsqueeze(-1).unsqueeze(-1);                           // decay first
            var read = (ki.unsqueeze(-1) * s).sum(-2);                                         // S^T k  [B,H,V]
            var delta = (vi - read) * beta[.., .., i].unsqueeze(-1);                           // beta (v - S^T k)
            s = s + ki.unsqueeze(-1) * delta.unsqueeze(-2);                                    // + k delta^T
            outs.Add((qi.unsqueeze(-1) * s).sum(-2));                                          // S_t^T q (after the write)
            states?.Add(s);
        }
        return (stack(outs, 2), s, states is null ? null : stack(states, 2));
    }

    /// <summary>
    /// Chunkwise-parallel form (fla naive_chunk_gated_delta_rule). Within a chunk of C tokens with cumulative log decay G:
    /// A = -(diag(beta) K K^T) * exp(G_i - G_j) (strictly lower), T = (I - A)^-1, U = T(beta V), W = T(beta K exp(G));
    /// V' = U - W S; O = (Q exp(G)) S + (Q K^T * exp(G_i - G_j))_lower V'; S &lt;- exp(G_C) S + (K exp(G_C - G))^T V'.
    /// T is padded to a multiple of C with g = 0, beta = 0 (tokens that change nothing).
    /// </summary>
    public static (Tensor O, Tensor State) Chunk(Tensor q, Tensor k, Tensor v, Tensor g, Tensor beta, Tensor? h0 = null, int chunkSize = 64)
    {
        var (b, h, t, kd) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        var vd = v.shape[3];
        var c = Math.Min(chunkSize, (int)t);
        var pad = (int)((c - t % c) % c);
        if (pad > 0)
        {
            q = nn.functional.pad(q, [0, 0, 0, pad]);
            k = nn.functional.pad(k, [0, 0, 0, pad]);
            v = nn.functional.pad(v, [0, 0, 0, pad]);
            g = nn.functional.pad(g, [0, pad]);
            beta = nn.functional.pad(beta, [0, pad]);
        }
        var n = (t + pad) / c;
        // [B,H,N,C,D]
        q = q.view(b, h, n, c, kd); k = k.view(b, h, n, c, kd); v = v.view(b, h, n, c, vd);
        g = g.view(b, h, n, c).cumsum(-1); beta = beta.view(b, h, n, c);
        var lowerStrict = ones(c, c, dtype: ScalarType.Bool, device: q.device).tril(-1).logical_not();
        var upper = ones(c, c, dtype: ScalarType.Bool, device: q.device).tril().logical_not();
        var eye = torch.eye(c, dtype: q.dtype, device: q.device);
        var s = h0 is null ? zeros(b, h, kd, vd, dtype: q.dtype, device: q.device) : h0.to(q.dtype);
        var outs = new List<Tensor>((int)n);
        for (long i = 0; i < n; i++)
        {
            // one chunk at a time: the working set stays small, so time and memory grow linearly with T
            using var scope = NewDisposeScope();
            var (qi, ki, vi, gi, bi) = (q[.., .., i], k[.., .., i], v[.., .., i], g[.., .., i], beta[.., .., i]);
            var decayIncl = (gi.unsqueeze(-1) - gi.unsqueeze(-2)).masked_fill(upper, double.NegativeInfinity).exp();   // exp(G_i - G_j), j <= i
            var kb = ki * bi.unsqueeze(-1);
            var a = -(kb.matmul(ki.transpose(-1, -2)) * decayIncl).masked_fill(lowerStrict, 0.0);                 // strictly lower
            var tInv = linalg.solve_triangular(eye - a, eye.expand(a.shape), upper: false, unitriangular: true);
            var u = tInv.matmul(vi * bi.unsqueeze(-1));                                                         // U = T (beta V)
            var w = tInv.matmul(kb * gi.exp().unsqueeze(-1));                                                   // W = T (beta K exp(G))
            var vNew = u - w.matmul(s);                                                                          // V' = U - W S
            outs.Add(((qi * gi.exp().unsqueeze(-1)).matmul(s) + (qi.matmul(ki.transpose(-1, -2)) * decayIncl).matmul(vNew)).MoveToOuterDisposeScope());
            var gLast = gi[.., .., -1];
            var kDecay = ki * (gLast.unsqueeze(-1) - gi).exp().unsqueeze(-1);                                   // K exp(G_C - G)
            s = (s * gLast.exp().unsqueeze(-1).unsqueeze(-1) + kDecay.transpose(-1, -2).matmul(vNew)).MoveToOuterDisposeScope();
        }
        var o = stack(outs, 2).view(b, h, n * c, vd);
        if (pad > 0) o = o[.., .., ..(int)t];
        return (o, s);
    }
}
