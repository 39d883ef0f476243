using static TorchSharp.torch;
using static Zoo.Toolkit.Sequence.MemoryMath;

namespace Zoo.Plugins.Miras;

/// <summary>Attentional bias l(M; k, v) (Miras Sec. 3): the inner loss the memory minimises at test time.</summary>
public enum AttentionalBias
{
    /// <summary>||M(k) - v||_2^2 (Titans, eq. 12): gradient 2 e.</summary>
    L2,
    /// <summary>||M(k) - v||_p^p (Moneta): gradient p sign(e) |e|^(p-1).</summary>
    Lp,
    /// <summary>Huber (Yaad): the L2 gradient while ||e|| &lt;= delta, delta times the l_1 gradient (delta sign(e)) beyond.</summary>
    Huber,
}

/// <summary>Retention gate (Miras Sec. 4): how the previous memory is kept when the update is applied.</summary>
public enum RetentionKind
{
    /// <summary>l_2 retention = weight decay: W_t = a_t W_{t-1} + S_t (Titans eq. 13 with a_t = 1 - alpha_t).</summary>
    Decay,
    /// <summary>l_q retention (Moneta): A_t = a_t A_{t-1} + S_t, W_t = A_t / ||A_t||_q^(q-2) (entrywise q-norm per matrix).</summary>
    Lq,
    /// <summary>KL retention (Memora): W_t = c Softmax(a_t log W_{t-1} + S_t) over each row (memory on a scaled simplex).</summary>
    Kl,
}

/// <summary>Memory architecture: M(x) = W x, or an MLP W2 GELU(W1 x) (optionally with a residual x + ...).</summary>
public enum MemoryArchitecture { Linear, Mlp, ResidualMlp }

/// <summary>The (architecture, bias, retention, optimiser) choice of a Miras memory.</summary>
public sealed record MirasSpec
{
    public AttentionalBias Bias { get; init; } = AttentionalBias.L2;
    /// <summary>p of the l_p bias (Moneta uses 3).</summary>
    public double P { get; init; } = 3;
    public RetentionKind Retention { get; init; } = RetentionKind.Decay;
    /// <summary>q of the l_q retention (Moneta uses 4).</summary>
    public double Q { get; init; } = 4;
    /// <summary>Simplex scale c of the KL retention.</summary>
    public double SimplexScale { get; init; } = 1;
    public MemoryArchitecture Architecture { get; init; } = MemoryArchitecture.Linear;
    /// <summary>Momentum ("past surprise", Titans eq. 10): S_t = eta_t S_{t-1} - theta_t grad. Off: S_t = -theta_t grad.</summary>
    public bool Momentum { get; init; } = true;
    /// <summary>Mini-batch size b (Titans Sec. 3.2): every gradient in a chunk is taken at the chunk-start memory. 1 = exact online form.</summary>
    public int ChunkSize { get; init; } = 1;
}

/// <summary>Per-token gates, each [B, H, T]: retention a (1 = keep everything), momentum decay eta, step size theta, Huber delta.</summary>
public sealed record MirasGates(Tensor Retain, Tensor Eta, Tensor Theta, Tensor? Delta = null);

/// <summary>Result of a scan: outputs after each write, optional reads before the write, per-token loss and the next state.</summary>
public sealed record MirasScan(Tensor Output, Tensor? OutputBeforeWrite, Tensor Loss, Dictionary<string, Tensor> State, List<Dictionary<string,
    Tensor>>? States);

/// <summary>
/// A Miras memory (Behrouz et al., arXiv:2504.13173): a memory M_W trained online on the attentional bias with momentum
/// and a retention rule. Per head and batch element; every tensor is [B, H, ...]. Gradients of the inner loss are analytic
/// (linear: dL/dy k^T; MLP: back-propagation through W2 GELU(W1 x) with exact-erf GELU) and stay differentiable, so the
/// outer loop trains through the inner one.
/// </summary>
public sealed class MirasMemory
{
    public MirasMemory(MirasSpec spec) => Spec = spec;

    public MirasSpec Spec { get; }

    /// <summary>Names of the memory's weight tensors in the state ("w" or "w1","w2"); momentum is "s..." and l_q accumulators "a...".</summary>
    public string[] WeightNames => Spec.Architecture == MemoryArchitecture.Linear ? ["w"] : ["w1", "w2"];

    /// <summary>The state at the start: weights w0 [B,H,...], zero momentum, l_q accumulators equal to the weights.</summary>
    public Dictionary<string, Tensor> InitialState(IReadOnlyList<Tensor> weights)
    {
        var names = WeightNames;
        if (weights.Count != names.Length)
            throw new ArgumentException($"Expected {names.Length} memory weight tensors ({string.Join(", ", names)}), got {weights.Count}.");
        var state = new Dictionary<string, Tensor>();
        for (int i = 0; i < names.Length; i++)
        {
            state[names[i]] = weights[i];
            if (Spec.Momentum) state["s" + names[i][1..]] = zeros_like(weights[i]);
            if (Spec.Retention == RetentionKind.Lq) state["a" + names[i][1..]] = weights[i];
        }
        return state;
    }

    /// <summary>Reads the memory. Weights shared over tokens ([B,H,O,I], x [B,H,T,I]) or per token ([B,H,T,O,I]).</summary>
    public Tensor Apply(IReadOnlyList<Tensor> w, Tensor x)
    {
        bool perToken = w[0].dim() == x.dim() + 1;
        Tensor Lin(Tensor m, Tensor z) => Read(m, z, perToken);
        if (Spec.Architecture == MemoryArchitecture.Linear) return Lin(w[0], x);
        var y = Lin(w[1], Gelu(Lin(w[0], x)));
        return Spec.Architecture == MemoryArchitecture.ResidualMlp ? y + x : y;
    }

    /// <summary>dL/dy and the loss for the error e = M(k) - v ([B,H,C,V]); delta [B,H,C] for Huber.</summary>
    public (Tensor Grad, Tensor Loss) BiasGradient(Tensor e, Tensor? delta)
    {
        switch (Spec.Bias)
        {
            case AttentionalBias.L2:
                return (2 * e, e.square().sum(-1));
            case AttentionalBias.Lp:
                {
                    var p = Spec.P;
                    var abs = e.abs();
                    return (p * e.sign() * abs.pow(p - 1), abs.pow(p).sum(-1));
                }
            case AttentionalBias.Huber:
                {
                    if (delta is null) throw new ArgumentException("The Huber attentional bias needs a delta gate.");
                    var d = delta.unsqueeze(-1);
                    var inside = e.square().sum(-1, keepdim: true).sqrt() <= d;                // switch on the whole error norm
                    var grad = where(inside, 2 * e, d * e.sign());
                    var loss = where(inside.squeeze(-1), e.square().sum(-1), delta * e.abs().sum(-1));
                    return (grad, loss);
                }
            default: throw new ArgumentOutOfRangeException(nameof(Spec.Bias));
        }
    }

    /// <summary>Per-token gradients of the bias at shared weights w for keys k and values v [B,H,C,D]: tensors [B,H,C,...] and loss [B,H,C].</summary>
    public (Tensor[] Grads, Tensor Loss) Gradients(IReadOnlyList<Tensor> w, Tensor k, Tensor v, Tensor? delta)
    {
        if (Spec.Architecture == MemoryArchitecture.Linear)
        {
            var (dy, loss) = BiasGradient(k.matmul(w[0].transpose(-1, -2)) - v, delta);
            return ([dy.unsqueeze(-1) * k.unsqueeze(-2)], loss);
        }
        var h = k.matmul(w[0].transpose(-1, -2));                 // [B,H,C,Hd]
        var a = Gelu(h);
        var y = a.matmul(w[1].transpose(-1, -2));
        if (Spec.Architecture == MemoryArchitecture.ResidualMlp) y = y + k;
        var (gy, l) = BiasGradient(y - v, delta);
        var g2 = gy.unsqueeze(-1) * a.unsqueeze(-2);              // [B,H,C,O,Hd]
        var dh = gy.matmul(w[1]) * GeluGrad(h);                    // [B,H,C,Hd]
        var g1 = dh.unsqueeze(-1) * k.unsqueeze(-2);              // [B,H,C,Hd,I]
        return ([g1, g2], l);
    }

    /// <summary>
    /// Runs the memory over q, k, v [B,H,T,D] from <paramref name="state"/>. Chunks of <see cref="MirasSpec.ChunkSize"/>
    /// tokens take their gradients at the chunk-start memory (Titans Sec. 3.2). Every retention is a linear recurrence in an
    /// accumulator X_t = a_t X_{t-1} + S_t followed by a pointwise map (decay: W = X; l_q: W = X / ||X||_q^(q-2);
    /// KL: W = c softmax(X) with X = log W up to a row constant), and the momentum S_t = eta_t S_{t-1} - theta_t grad_t is
    /// linear too, so inside a chunk both are computed in parallel with decay matrices exp(L_i - L_j) (j &lt;= i).
    /// </summary>
    public MirasScan Scan(Dictionary<string, Tensor> state, Tensor q, Tensor k, Tensor v, MirasGates gates, bool keepStates = false,
        bool readBeforeWrite = false)
    {
        var t = (int)q.shape[2];
        var c = Math.Max(1, Spec.ChunkSize);
        var names = WeightNames;
        var cur = new Dictionary<string, Tensor>(state);
        var outs = new List<Tensor>();
        var before = readBeforeWrite ? new List<Tensor>() : null;
        var losses = new List<Tensor>();
        var states = keepStates ? new List<Dictionary<string, Tensor>>() : null;
        for (int start = 0; start < t; start += c)
        {
            // intermediates of a chunk are freed with it (autograd keeps what backward needs)
            using var chunkScope = NewDisposeScope();
            var end = Math.Min(t, start + c);
            var n = end - start;
            var w0 = names.Select(nm => cur[nm]).ToArray();
            var (grads, loss) = Gradients(w0, k[.., .., start..end], v[.., .., start..end], gates.Delta?[.., .., start..end]);
            losses.Add(loss);
            var theta = gates.Theta[.., .., start..end];
            var retainDecay = DecayMatrix(gates.Retain[.., .., start..end]);                 // [B,H,n,n]
            var momentumDecay = Spec.Momentum ? DecayMatrix(gates.Eta[.., .., start..end]) : null;
            var perToken = new Tensor[names.Length];
            var perTokenPrev = new Tensor[names.Length];
            var perTokenExtra = new Dictionary<string, Tensor>();
            for (int p = 0; p < names.Length; p++)
            {
                var name = names[p];
                var suffix = name[1..];
                var shape = grads[p].shape;                                                  // [B,H,n,...]
                var flat = new long[] { shape[0], shape[1], n, -1 };
                var step = (-theta.view([.. theta.shape, .. Enumerable.Repeat(1L, shape.Length - 3)]) * grads[p]).view(flat);
                Tensor s;
                if (momentumDecay is not null)
                {
                    var s0 = cur["s" + suffix];
                    s = LinearScan(momentumDecay, gates.Eta[.., .., start..end], s0, step);
                    perTokenExtra["s" + suffix] = s.view(shape);
                    cur["s" + suffix] = s[.., .., -1].view(s0.shape);
                }
                else s = step;
                var x0 = Spec.Retention switch
                {
                    RetentionKind.Decay => cur[name],
                    RetentionKind.Lq => cur["a" + suffix],
                    _ => cur[name].clamp_min(1e-30).log(),
                };
                var x = LinearScan(retainDecay, gates.Retain[.., .., start..end], x0, s).view(shape);
                Tensor w;
                switch (Spec.Retention)
                {
                    case RetentionKind.Decay: w = x; break;
                    case RetentionKind.Lq:
                        {
                            perTokenExtra["a" + suffix] = x;
                            cur["a" + suffix] = x[.., .., -1];
                            var norm = x.abs().pow(Spec.Q).sum([-2, -1], keepdim: true).pow(1 / Spec.Q).clamp_min(1e-12);
                            w = x / norm.pow(Spec.Q - 2);
                            break;
                        }
                    default: w = Spec.SimplexScale * softmax(x, -1); break;
                }
                perTokenPrev[p] = cat([cur[name].unsqueeze(2), w[.., .., ..^1]], 2);
                cur[name] = w[.., .., -1];
                perToken[p] = w;
            }
            if (states is not null)
                for (int i = 0; i < n; i++)
                {
                    var snap = new Dictionary<string, Tensor>();
                    for (int p = 0; p < names.Length; p++) snap[names[p]] = perToken[p][.., .., i];
                    foreach (var (key, val) in perTokenExtra) snap[key] = val[.., .., i];
                    states.Add(snap);
                }
            var qc = q[.., .., start..end];
            outs.Add(Apply(perToken, qc).MoveToOuterDisposeScope());
            if (before is not null) before.Add(Apply(perTokenPrev, qc).MoveToOuterDisposeScope());
            losses[^1].MoveToOuterDisposeScope();
            foreach (var value in cur.Values) value.MoveToOuterDisposeScope();
            if (states is not null)
                foreach (var snap in states.Skip(states.Count - n))
                    foreach (var value in snap.Values) value.MoveToOuterDisposeScope();
        }
        return new MirasScan(cat(outs, 2), before is null ? null : cat(before, 2), cat(losses, 2), cur, states);
    }
}
