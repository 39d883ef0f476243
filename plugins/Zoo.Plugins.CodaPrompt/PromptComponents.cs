using TorchSharp.Modules;

namespace Zoo.Plugins.CodaPrompt;

/// <summary>
/// CODA-Prompt's decomposed prompt (Smith et al., CVPR 2023, arXiv:2211.13218, Sec. 4): for every prompted layer l a pool
/// of M components P_l [M, Lp, D], keys K_l [M, D] and attention vectors A_l [M, D] (reference names e_p_l, e_k_l, e_a_l).
/// The prompt for a query q (the frozen encoder's class-token feature, Sec. 4.2) is p = sum_m alpha_m P_m with
/// alpha_m = cos(q ⊙ A_m, K_m) (Eq. 4-5: attention-weighted query, cosine with the key, no softmax). Components are split
/// evenly over the tasks: while learning task t only the t-th block of M/T components is trained, earlier blocks are used
/// but frozen, later ones are unused (Sec. 4.3).
/// </summary>
public sealed class PromptComponents : nn.Module
{
    private readonly Dictionary<int, (Parameter P, Parameter K, Parameter A)> _layers = [];

    public PromptComponents(IReadOnlyList<int> layers, int poolSize, int length, int width) : base(nameof(PromptComponents))
    {
        if (poolSize < 1 || length < 2 || length % 2 != 0)
            throw new ArgumentException($"CODA-Prompt: pool size ({poolSize}) must be >= 1 and prompt length ({length}) even and >= 2.");
        Layers = layers;
        PoolSize = poolSize;
        Length = length;
        Width = width;
        foreach (var l in layers)
        {
            // Placeholders: each task's block is (re)initialised orthogonally in InitTask (reference: tensor_prompt + gram_schmidt).
            var p = new Parameter(torch.zeros(poolSize, length, width));
            var k = new Parameter(torch.zeros(poolSize, width));
            var a = new Parameter(torch.zeros(poolSize, width));
            register_parameter($"e_p_{l}", p);
            register_parameter($"e_k_{l}", k);
            register_parameter($"e_a_{l}", a);
            _layers[l] = (p, k, a);
        }
    }

    public IReadOnlyList<int> Layers { get; }

    public int PoolSize { get; }

    public int Length { get; }

    public int Width { get; }

    public (Parameter P, Parameter K, Parameter A) Of(int layer) => _layers[layer];

    /// <summary>
    /// Initialises components [start, end) of every layer orthogonally to components [0, start) and to each other
    /// (Gram-Schmidt on random normal vectors, unit norm; Sec. 4.3 "orthogonality initialisation").
    /// </summary>
    public void InitTask(int start, int end, Generator? generator = null)
    {
        using var _ = torch.no_grad();
        foreach (var (p, k, a) in _layers.Values)
        {
            foreach (var t in new Tensor[] { p, k, a })
            {
                using var flat = t.reshape(PoolSize, -1);
                using var init = GramSchmidt.Extend(flat.narrow(0, 0, start), end - start, generator);
                flat.narrow(0, start, end - start).copy_(init);
            }
        }
    }

    /// <summary>
    /// alpha [B, f] = cos(q ⊙ A_m, K_m) over components [0, f), and the prompt p [B, Lp, D] = sum_m alpha_m P_m; components
    /// [0, frozen) are detached (no gradient reaches earlier tasks' components).
    /// </summary>
    public (Tensor Alpha, Tensor Prompt) Assemble(int layer, Tensor query, int frozen, int used)
    {
        using var scope = torch.NewDisposeScope();
        var (p, k, a) = _layers[layer];
        Tensor Part(Tensor t) => frozen > 0 ? torch.cat([t.narrow(0, 0, frozen).detach(), t.narrow(0, frozen, used - frozen)], 0) : t.narrow(0, 0, used);
        var pp = Part(p);
        var kk = Part(k);
        var aa = Part(a);
        var attended = torch.einsum("bd,kd->bkd", query, aa);                       // q ⊙ A_m
        var alpha = torch.einsum("bkd,kd->bk", nn.functional.normalize(attended, p: 2, dim: 2), nn.functional.normalize(kk, p: 2, dim: 1));
        var prompt = torch.einsum("bk,kld->bld", alpha, pp);
        return (alpha.MoveToOuterDisposeScope(), prompt.MoveToOuterDisposeScope());
    }

    /// <summary>Orthogonality penalty ||B B^T - I||^2 on the used rows of P, K and A (the paper's optional L_ortho).</summary>
    public Tensor OrthogonalityLoss(int used)
    {
        using var scope = torch.NewDisposeScope();
        Tensor total = torch.zeros(1, device: _layers.Values.First().P.device);
        foreach (var (p, k, a) in _layers.Values)
            foreach (var t in new Tensor[] { p, k, a })
            {
                var b = t.narrow(0, 0, used).reshape(used, -1);
                var eye = torch.eye(used, device: b.device);
                total = total + (b.matmul(b.t()) - eye).pow(2).sum();
            }
        return total.squeeze().MoveToOuterDisposeScope();
    }
}

/// <summary>Prefix-tuning extension: the assembled prompt of each layer split into key and value halves (Eq. 3: p = [p_k; p_v]).</summary>
public sealed class PromptExtension(IReadOnlyDictionary<int, Tensor> prompts) : IEncoderExtension
{
    public IReadOnlyDictionary<int, Tensor> Prompts { get; } = prompts;

    public (Tensor Keys, Tensor Values)? Prefix(int layer, Tensor tokens)
    {
        if (!Prompts.TryGetValue(layer, out var p)) return null;
        long half = p.shape[1] / 2;
        return (p.narrow(1, 0, half), p.narrow(1, half, p.shape[1] - half));
    }

    public Tensor? Adapter(int layer, Tensor hidden) => null;
}

/// <summary>Gram-Schmidt completion of an orthonormal set.</summary>
public static class GramSchmidt
{
    /// <summary>
    /// <paramref name="count"/> unit rows orthogonal to each row of <paramref name="existing"/> [s, n] (assumed orthonormal)
    /// and to each other, from random normal vectors. Needs s + count &lt;= n.
    /// </summary>
    public static Tensor Extend(Tensor existing, int count, Generator? generator = null)
    {
        long n = existing.shape[1];
        if (existing.shape[0] + count > n)
            throw new ArgumentException(
                $"Gram-Schmidt: {existing.shape[0]} + {count} orthogonal vectors do not fit in dimension {n} (use a smaller prompt pool).");
        using var scope = torch.NewDisposeScope();
        // An orthonormal basis of the existing rows (trained rows are no longer exactly orthogonal).
        var basis = new List<Tensor>();
        for (long i = 0; i < existing.shape[0]; i++)
        {
            var e = existing[i].clone();
            for (int pass = 0; pass < 2; pass++)
                foreach (var u in basis) e = e - e.dot(u) * u;
            var norm = e.norm().item<float>();
            if (norm > 1e-6f) basis.Add(e / norm);
        }
        var rows = new List<Tensor>();
        for (int i = 0; i < count; i++)
        {
            var v = torch.randn([n], generator: generator, device: existing.device, dtype: existing.dtype);
            for (int pass = 0; pass < 2; pass++)   // twice: one classical pass loses orthogonality in float32
                foreach (var u in basis) v = v - v.dot(u) * u;
            v = v / v.norm();
            basis.Add(v);
            rows.Add(v);
        }
        return torch.stack(rows).MoveToOuterDisposeScope();
    }
}
