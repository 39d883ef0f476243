using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Miras;

/// <summary>Configuration of a Miras memory layer; the (bias, retention, architecture) triple picks Titans, Moneta, Yaad or Memora.</summary>
public record MirasConfig : MemoryLayerConfig
{
    public AttentionalBias Bias { get; init; } = AttentionalBias.L2;
    /// <summary>p of the l_p bias (Moneta: 3).</summary>
    public double P { get; init; } = 3;
    public RetentionKind Retention { get; init; } = RetentionKind.Decay;
    /// <summary>q of the l_q retention (Moneta: 4).</summary>
    public double Q { get; init; } = 4;
    public double SimplexScale { get; init; } = 1;
    public MemoryArchitecture Memory { get; init; } = MemoryArchitecture.Mlp;
    /// <summary>Hidden width of the MLP memory as a multiple of the head dimension.</summary>
    public int HiddenMult { get; init; } = 2;
    public bool Momentum { get; init; } = true;
    /// <summary>theta_t = max_lr * sigmoid(theta_proj(x)).</summary>
    public double MaxLr { get; init; } = 0.5;
    /// <summary>Build only the parameter-free recurrence (used by <c>zoo verify</c> on recurrence fixtures).</summary>
    public bool RecurrenceOnly { get; init; }
}

public sealed record TitansConfig : MirasConfig;

public sealed record MonetaConfig : MirasConfig
{
    public MonetaConfig() { Bias = AttentionalBias.Lp; P = 3; Retention = RetentionKind.Lq; Q = 4; }
}

public sealed record YaadConfig : MirasConfig
{
    public YaadConfig() { Bias = AttentionalBias.Huber; }
}

public sealed record MemoraConfig : MirasConfig
{
    public MemoraConfig() { Retention = RetentionKind.Kl; }
}

/// <summary>
/// A Miras memory as a sequence layer (the "LMM" of Titans Sec. 4): q, k, v projections per head (q, k l2-normalised),
/// data-dependent gates (forget alpha = sigmoid, retain = 1 - alpha; momentum eta = sigmoid; step theta = max_lr sigmoid;
/// Huber delta = softplus), a memory trained at test time by <see cref="MirasMemory"/>, a per-head RMSNorm and o_proj.
/// The learned initial memory (memory_w / memory_w1, memory_w2) is part of the outer-loop parameters.
/// The short causal convolutions of the paper's block are omitted so the state is just the memory (and momentum).
/// </summary>
public sealed class MirasLayer : nn.Module<Tensor, Tensor>, IMemoryModule
{
    private readonly Linear q_proj, k_proj, v_proj, alpha_proj, eta_proj, theta_proj, o_proj;
    private readonly Linear? delta_proj;
    private readonly Parameter? memory_w, memory_w1, memory_w2;
    private readonly RmsNorm o_norm;
    private readonly MirasConfig _cfg;

    public MirasLayer(MirasConfig cfg) : base("MirasLayer")
    {
        _cfg = cfg;
        int d = cfg.DModel, h = cfg.NumHeads, dh = cfg.HeadDim, hid = cfg.HiddenMult * cfg.HeadDim;
        q_proj = nn.Linear(d, h * dh, hasBias: false);
        k_proj = nn.Linear(d, h * dh, hasBias: false);
        v_proj = nn.Linear(d, h * dh, hasBias: false);
        alpha_proj = nn.Linear(d, h);
        eta_proj = nn.Linear(d, h);
        theta_proj = nn.Linear(d, h);
        if (cfg.Bias == AttentionalBias.Huber) delta_proj = nn.Linear(d, h);
        o_norm = new RmsNorm(dh);
        o_proj = nn.Linear(h * dh, d, hasBias: false);
        using (no_grad())
        {
            alpha_proj.bias!.fill_(-4.0);          // forget ~2% per token at init
            if (cfg.Memory == MemoryArchitecture.Linear)
                memory_w = nn.Parameter(cfg.Retention == RetentionKind.Decay ? zeros(h, dh, dh) : randn(h, dh, dh) * Math.Pow(dh, -0.5));
            else
            {
                memory_w1 = nn.Parameter(randn(h, hid, dh) * Math.Pow(dh, -0.5));
                memory_w2 = nn.Parameter(randn(h, dh, hid) * Math.Pow(hid, -0.5));
            }
        }
        Memory = new MirasMemory(new MirasSpec
        {
            Bias = cfg.Bias, P = cfg.P, Retention = cfg.Retention, Q = cfg.Q, SimplexScale = cfg.SimplexScale,
            Architecture = cfg.Memory, Momentum = cfg.Momentum, ChunkSize = cfg.ChunkSize,
        });
        RegisterComponents();
    }

    public MirasMemory Memory { get; }

    public int ModelDim => _cfg.DModel;

    public MemoryState InitialState(int batchSize, Device? device = null)
    {
        var ws = (memory_w is null ? new[] { memory_w1!, memory_w2! } : new[] { memory_w }).Select(p =>
        {
            Tensor w = p;
            if (_cfg.Retention == RetentionKind.Kl) w = _cfg.SimplexScale * softmax(w, -1);   // Memora lives on the simplex
            w = w.unsqueeze(0).expand([batchSize, .. p.shape]);
            return device is null ? w : w.to(device);
        }).ToList();
        return new MemoryState(Memory.InitialState(ws));
    }

    public (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        int h = _cfg.NumHeads, dh = _cfg.HeadDim;
        Tensor Heads(Tensor z) => z.view(b, t, h, dh).transpose(1, 2);                 // [B,H,T,Dh]
        var q = Heads(q_proj.forward(x));
        var k = Heads(k_proj.forward(x));
        var v = Heads(v_proj.forward(x));
        q = q / (q.square().sum(-1, keepdim: true) + 1e-6).sqrt();
        k = k / (k.square().sum(-1, keepdim: true) + 1e-6).sqrt();
        Tensor Gate(Linear l) => l.forward(x).transpose(1, 2);                          // [B,H,T]
        var gates = new MirasGates(1 - Gate(alpha_proj).sigmoid(), Gate(eta_proj).sigmoid(), _cfg.MaxLr * Gate(theta_proj).sigmoid(),
            delta_proj is null ? null : nn.functional.softplus(Gate(delta_proj)));
        var scan = Memory.Scan(new Dictionary<string, Tensor>(state.Tensors), q, k, v, gates);
        var o = o_norm.forward(scan.Output).transpose(1, 2).reshape(b, t, h * dh);
        return (o_proj.forward(o), new MemoryState(scan.State));
    }

    public override Tensor forward(Tensor x) => Forward(x, InitialState((int)x.shape[0], x.device)).Output;
}

/// <summary>The bare Miras/Titans recurrence with no parameters: what the titans_l2 fixture checks.</summary>
public sealed class MirasRecurrence : nn.Module<Tensor, Tensor>
{
    public MirasRecurrence(MirasConfig cfg) : base("MirasRecurrence") => Config = cfg;

    public MirasConfig Config { get; }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("MirasRecurrence is driven by RunFixture (inputs q, k, v and gates).");
}
