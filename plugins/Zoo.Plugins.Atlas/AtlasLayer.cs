using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Atlas;

/// <summary>Configuration of an ATLAS-family layer; the presets are Atlas (Muon), OmegaNet (GD) and DeepTransformer (Hebbian).</summary>
public record AtlasConfig : MemoryLayerConfig
{
    /// <summary>Omega window c.</summary>
    public int Window { get; init; } = 4;
    /// <summary>Degree p of the polynomial feature map of keys and queries (1 = [1, x]).</summary>
    public int PolyDegree { get; init; } = 2;
    public OmegaOptimizer Optimizer { get; init; } = OmegaOptimizer.Muon;
    public OmegaBias Bias { get; init; } = OmegaBias.L2;
    /// <summary>Deep (2-layer GELU MLP) memory instead of a matrix.</summary>
    public bool Mlp { get; init; } = true;
    public int HiddenMult { get; init; } = 2;
    public bool Momentum { get; init; } = true;
    public int NsSteps { get; init; } = 5;
    /// <summary>eta_t = max_lr * sigmoid(eta_proj(x)).</summary>
    public double MaxLr { get; init; } = 0.1;
}

public sealed record OmegaNetConfig : AtlasConfig
{
    public OmegaNetConfig() { Optimizer = OmegaOptimizer.Omega; MaxLr = 0.5; }
}

public sealed record DeepTransformerConfig : AtlasConfig
{
    public DeepTransformerConfig() { Optimizer = OmegaOptimizer.Omega; Bias = OmegaBias.Dot; Window = 1; Momentum = false; MaxLr = 0.5; }
}

/// <summary>
/// An ATLAS layer (arXiv:2505.23735 Sec. 3-5): q, k, v projections per head (q, k l2-normalised), polynomial features
/// phi(q), phi(k) with learnable per-degree coefficients (poly_coeffs), data-dependent gates (alpha retention, theta momentum,
/// eta step, gamma window weight, all sigmoid), the Omega-rule memory, per-head RMSNorm and o_proj.
/// DeepTransformer = Hebbian (dot-product) bias, window 1, no momentum, deep memory over polynomial features.
/// </summary>
public sealed class AtlasLayer : nn.Module<Tensor, Tensor>, IMemoryModule
{
    private readonly Linear q_proj, k_proj, v_proj, alpha_proj, theta_proj, eta_proj, gamma_proj, o_proj;
    private readonly Parameter poly_coeffs;
    private readonly Parameter? memory_w, memory_w1, memory_w2;
    private readonly RmsNorm o_norm;
    private readonly AtlasConfig _cfg;

    public AtlasLayer(AtlasConfig cfg) : base("AtlasLayer")
    {
        if (cfg.DModel <= 0 || cfg.NumHeads <= 0 || cfg.HeadDim <= 0 || cfg.ChunkSize <= 0 || cfg.Window <= 0)
            throw new ArgumentException("atlas: d_model, num_heads, head_dim, chunk_size and window must be positive.");
        _cfg = cfg;
        int d = cfg.DModel, h = cfg.NumHeads, dh = cfg.HeadDim;
        Features = new PolynomialFeatures(dh, cfg.PolyDegree);
        var f = Features.OutputDim;
        q_proj = nn.Linear(d, h * dh, hasBias: false);
        k_proj = nn.Linear(d, h * dh, hasBias: false);
        v_proj = nn.Linear(d, h * dh, hasBias: false);
        alpha_proj = nn.Linear(d, h);
        theta_proj = nn.Linear(d, h);
        eta_proj = nn.Linear(d, h);
        gamma_proj = nn.Linear(d, h);
        o_norm = new RmsNorm(dh);
        o_proj = nn.Linear(h * dh, d, hasBias: false);
        poly_coeffs = nn.Parameter(Features.InitialCoefficients());
        using (no_grad())
        {
            alpha_proj.bias!.fill_(4.0);              // retain ~98% per token at init
            gamma_proj.bias!.fill_(2.0);
            if (cfg.Mlp)
            {
                var hid = cfg.HiddenMult * dh;
                memory_w1 = nn.Parameter(randn(h, hid, f) * Math.Pow(f, -0.5));
                memory_w2 = nn.Parameter(randn(h, dh, hid) * Math.Pow(hid, -0.5));
            }
            else memory_w = nn.Parameter(zeros(h, dh, f));
        }
        Memory = new OmegaMemory(new OmegaSpec
        {
            Window = cfg.Window, Optimizer = cfg.Optimizer, Bias = cfg.Bias, Mlp = cfg.Mlp, Momentum = cfg.Momentum,
            NsSteps = cfg.NsSteps, ChunkSize = cfg.ChunkSize,
        });
        RegisterComponents();
    }

    public PolynomialFeatures Features { get; }

    public OmegaMemory Memory { get; }

    public int ModelDim => _cfg.DModel;

    public MemoryState InitialState(int batchSize, Device? device = null)
    {
        var ws = (memory_w is null ? new[] { memory_w1!, memory_w2! } : new[] { memory_w }).Select(p =>
        {
            var w = p.unsqueeze(0).expand([batchSize, .. p.shape]);
            return device is null ? w : w.to(device);
        }).ToList();
        return new MemoryState(Memory.InitialState(ws, Features.OutputDim, _cfg.HeadDim));
    }

    public (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        int h = _cfg.NumHeads, dh = _cfg.HeadDim;
        Tensor Heads(Tensor z) => z.view(b, t, h, dh).transpose(1, 2);
        Tensor L2(Tensor z) => z / (z.square().sum(-1, keepdim: true) + 1e-6).sqrt();
        var q = Features.Map(L2(Heads(q_proj.forward(x))), poly_coeffs);
        var k = Features.Map(L2(Heads(k_proj.forward(x))), poly_coeffs);
        var v = Heads(v_proj.forward(x));
        Tensor Gate(Linear l) => l.forward(x).transpose(1, 2).sigmoid();
        var gates = new OmegaGates(Gate(alpha_proj), Gate(theta_proj), _cfg.MaxLr * Gate(eta_proj), Gate(gamma_proj));
        var (o, next) = Memory.Scan(new Dictionary<string, Tensor>(state.Tensors), q, k, v, gates);
        var y = o_norm.forward(o).transpose(1, 2).reshape(b, t, h * dh);
        return (o_proj.forward(y), new MemoryState(next));
    }

    public override Tensor forward(Tensor x) => Forward(x, InitialState((int)x.shape[0], x.device)).Output;
}
