using static TorchSharp.torch;
using Zoo.Toolkit.Sequence;
using static Zoo.Toolkit.Sequence.MemoryMath;

namespace Zoo.Plugins.Atlas;

/// <summary>Memory optimiser: OmegaNet (gradient descent with momentum) or Atlas (Muon: Newton-Schulz of the momentum).</summary>
public enum OmegaOptimizer { Omega, Muon }

/// <summary>Inner objective: L2 regression ||M(phi(k)) - v||^2 or the dot-product (Hebbian) bias -&lt;M(phi(k)), v&gt; of DeepTransformers.</summary>
public enum OmegaBias { L2, Dot }

public sealed record OmegaSpec
{
    /// <summary>Context window c of the Omega rule (1 = online / delta-rule style update).</summary>
    public int Window { get; init; } = 4;
    public OmegaOptimizer Optimizer { get; init; } = OmegaOptimizer.Muon;
    public OmegaBias Bias { get; init; } = OmegaBias.L2;
    /// <summary>Linear memory W [V, F] or an MLP W2 GELU(W1 x).</summary>
    public bool Mlp { get; init; }
    public bool Momentum { get; init; } = true;
    /// <summary>Newton-Schulz iterations of the Muon step.</summary>
    public int NsSteps { get; init; } = 5;
    /// <summary>Tokens per mini-batch: gradients of a chunk are taken at the chunk-start memory.</summary>
    public int ChunkSize { get; init; } = 1;
}

/// <summary>Per-token gates [B,H,T]: retention alpha, momentum decay theta, step eta, window weight gamma (ATLAS eqs. 9-11 names).</summary>
public sealed record OmegaGates(Tensor Alpha, Tensor Theta, Tensor Eta, Tensor Gamma);

/// <summary>
/// The Omega rule (ATLAS Sec. 3): at token t the memory descends the window objective
/// sum_{i=t-c+1}^{t} gamma_i l(M_{t-1}; phi(k_i), v_i) (every gradient of the window at the same memory).
/// OmegaNet: S_t = theta_t S_{t-1} - eta_t grad, M_t = alpha_t M_{t-1} + S_t.
/// Atlas:    S_t = theta_t S_{t-1} + grad,       M_t = alpha_t M_{t-1} - eta_t NS_k(S_t)   (Muon, per matrix).
/// The last c-1 keys, values and gammas are carried in the state ("k_cache", "v_cache", "g_cache"). Both recurrences are
/// linear (the Newton-Schulz map is per token), so inside a chunk they run in parallel.
/// </summary>
public sealed class OmegaMemory
{
    public OmegaMemory(OmegaSpec spec)
    {
        if (spec.Window < 1) throw new ArgumentException("ATLAS window must be >= 1.");
        Spec = spec;
    }

    public OmegaSpec Spec { get; }

    public string[] WeightNames => Spec.Mlp ? ["w1", "w2"] : ["w"];

    public Dictionary<string, Tensor> InitialState(IReadOnlyList<Tensor> weights, int keyDim, int valueDim)
    {
        var w0 = weights[0];
        var (b, h) = (w0.shape[0], w0.shape[1]);
        var state = new Dictionary<string, Tensor>
        {
            ["k_cache"] = zeros(b, h, Spec.Window - 1, keyDim, dtype: w0.dtype, device: w0.device),
            ["v_cache"] = zeros(b, h, Spec.Window - 1, valueDim, dtype: w0.dtype, device: w0.device),
            ["g_cache"] = zeros(b, h, Spec.Window - 1, dtype: w0.dtype, device: w0.device),
        };
        for (int i = 0; i < WeightNames.Length; i++)
        {
            state[WeightNames[i]] = weights[i];
            if (Spec.Momentum) state["s" + WeightNames[i][1..]] = zeros_like(weights[i]);
        }
        return state;
    }

    /// <summary>Reads the memory: shared weights [B,H,O,I] with x [B,H,T,I], or per-token weights [B,H,T,O,I].</summary>
    public Tensor Apply(IReadOnlyList<Tensor> w, Tensor x)
    {
        bool perToken = w[0].dim() == x.dim() + 1;
        Tensor Lin(Tensor m, Tensor z) => Read(m, z, perToken);
        return Spec.Mlp ? Lin(w[1], Gelu(Lin(w[0], x))) : Lin(w[0], x);
    }

    /// <summary>Per-token gradients [B,H,N,...] of the bias at shared weights for features k [B,H,N,F] and values v.</summary>
    public Tensor[] Gradients(IReadOnlyList<Tensor> w, Tensor k, Tensor v)
    {
        Tensor Dy(Tensor y) => Spec.Bias == OmegaBias.L2 ? 2 * (y - v) : -v;
        if (!Spec.Mlp)
        {
            var dy = Dy(k.matmul(w[0].transpose(-1, -2)));
            return [dy.unsqueeze(-1) * k.unsqueeze(-2)];
        }
        var h = k.matmul(w[0].transpose(-1, -2));
        var a = Gelu(h);
        var gy = Dy(a.matmul(w[1].transpose(-1, -2)));
        var dh = gy.matmul(w[1]) * GeluGrad(h);
        return [dh.unsqueeze(-1) * k.unsqueeze(-2), gy.unsqueeze(-1) * a.unsqueeze(-2)];
    }

    /// <summary>
    /// Newton-Schulz orthogonalisation (Muon): X = G / ||G||_F, then k times X &lt;- aX + (bA + cA^2)X with A = X X^T,
    /// (a, b, c) = (3.4445, -4.7750, 2.0315); on the transpose when rows &gt; cols. Batched over leading dimensions.
    /// </summary>
    public static Tensor NewtonSchulz(Tensor g, int steps)
    {
        bool transpose = g.shape[^2] > g.shape[^1];
        var x = transpose ? g.transpose(-1, -2) : g;
        x = x / (x.square().sum([-2, -1], keepdim: true).sqrt() + 1e-7);
        for (int i = 0; i < steps; i++)
        {
            var a = x.matmul(x.transpose(-1, -2));
            x = 3.4445 * x + (-4.7750 * a + 2.0315 * a.matmul(a)).matmul(x);
        }
        return transpose ? x.transpose(-1, -2) : x;
    }

    /// <summary>X_i for a linear recurrence X_t = g_t X_{t-1} + u_t over a chunk; u [B,H,n,...].</summary>
    private static Tensor LinearScan(Tensor g, Tensor x0, Tensor u) => MemoryMath.LinearScan(DecayMatrix(g), g, x0, u).view(u.shape);

    /// <summary>Runs the memory over features phi(q), phi(k) [B,H,T,F] and values v [B,H,T,V]; returns outputs [B,H,T,V] and the next state.</summary>
    public (Tensor Output, Dictionary<string, Tensor> State) Scan(Dictionary<string, Tensor> state, Tensor q, Tensor k, Tensor v, OmegaGates gates)
    {
        var t = (int)q.shape[2];
        var c = Math.Max(1, Spec.ChunkSize);
        var win = Spec.Window;
        var names = WeightNames;
        var cur = new Dictionary<string, Tensor>(state);
        var outs = new List<Tensor>();
        for (int start = 0; start < t; start += c)
        {
            using var chunkScope = NewDisposeScope();          // intermediates of a chunk are freed with it
            var end = Math.Min(t, start + c);
            var n = end - start;
            // the window reaches back win-1 tokens before the chunk: [cache ; chunk]
            var kx = cat([cur["k_cache"], k[.., .., start..end]], 2);
            var vx = cat([cur["v_cache"], v[.., .., start..end]], 2);
            var gx = cat([cur["g_cache"], gates.Gamma[.., .., start..end]], 2);
            var w0 = names.Select(nm => cur[nm]).ToArray();
            var grads = Gradients(w0, kx, vx);                                     // [B,H,n+win-1,...]
            // band[i, e] = 1 when ext token e is in the window of chunk token i (e in i .. i+win-1)
            var band = ones(n, n + win - 1, dtype: q.dtype, device: q.device).triu(0).tril(win - 1);
            var alpha = gates.Alpha[.., .., start..end];
            var theta = gates.Theta[.., .., start..end];
            var eta = gates.Eta[.., .., start..end];
            var perToken = new Tensor[names.Length];
            for (int p = 0; p < names.Length; p++)
            {
                var name = names[p];
                var suffix = name[1..];
                var gshape = grads[p].shape;
                var weighted = (gx.view([.. gx.shape, .. Enumerable.Repeat(1L, gshape.Length - 3)]) * grads[p]).flatten(3);
                var windowGrad = band.matmul(weighted);                                        // [B,H,n,N]
                Tensor Per(Tensor gate) => gate.unsqueeze(-1);                                 // [B,H,n,1]
                Tensor update;
                var wShape = new long[] { gshape[0], gshape[1], n, gshape[3], gshape[4] };
                if (Spec.Optimizer == OmegaOptimizer.Omega)
                {
                    var step = -Per(eta) * windowGrad;
                    update = Spec.Momentum ? LinearScan(theta, cur["s" + suffix], step) : step;
                    if (Spec.Momentum) cur["s" + suffix] = update[.., .., -1].view(cur["s" + suffix].shape);
                }
                else
                {
                    var s = Spec.Momentum ? LinearScan(theta, cur["s" + suffix], windowGrad) : windowGrad;
                    if (Spec.Momentum) cur["s" + suffix] = s[.., .., -1].view(cur["s" + suffix].shape);
                    update = -Per(eta) * NewtonSchulz(s.view(wShape), Spec.NsSteps).flatten(3);
                }
                var w = LinearScan(alpha, cur[name], update).view(wShape);
                cur[name] = w[.., .., -1];
                perToken[p] = w;
            }
            if (win > 1)
            {
                cur["k_cache"] = kx[.., .., ^(win - 1)..];
                cur["v_cache"] = vx[.., .., ^(win - 1)..];
                cur["g_cache"] = gx[.., .., ^(win - 1)..];
            }
            outs.Add(Apply(perToken, q[.., .., start..end]).MoveToOuterDisposeScope());
            foreach (var value in cur.Values) value.MoveToOuterDisposeScope();
        }
        return (cat(outs, 2), cur);
    }
}
