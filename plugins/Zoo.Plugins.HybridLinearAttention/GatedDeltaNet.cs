using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Configuration of a Gated DeltaNet layer (fla GatedDeltaNet names).</summary>
public sealed record GatedDeltaNetConfig
{
    public int DModel { get; init; } = 64;
    public int NumHeads { get; init; } = 4;
    /// <summary>Key (and query) dimension per head.</summary>
    public int HeadDim { get; init; } = 16;
    /// <summary>Value dimension per head = expand_v * head_dim.</summary>
    public double ExpandV { get; init; } = 1;
    /// <summary>"chunk" (chunkwise parallel) or "recurrent" (step form).</summary>
    public string Mode { get; init; } = "chunk";
    public int ChunkSize { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    /// <summary>Causal depthwise short convolutions (kernel conv_size, SiLU) on q, k, v, as fla's default use_short_conv=True.</summary>
    public bool UseShortConv { get; init; } = true;
    public int ConvSize { get; init; } = 4;
    /// <summary>Build only the parameter-free recurrence (used by <c>zoo verify</c> on the gated_deltanet fixture).</summary>
    public bool RecurrenceOnly { get; init; }
}

/// <summary>
/// Gated DeltaNet token mixer (Yang et al., arXiv:2412.06464; fla layers/gated_deltanet.py): q, k, v = SiLU(Linear(x)),
/// g = -exp(A_log) softplus(a_proj(x) + dt_bias), beta = sigmoid(b_proj(x)), the gated delta rule per head, then
/// o = o_proj(RMSNorm(o) * SiLU(g_proj(x))). With use_short_conv (fla default) q, k, v pass a causal depthwise conv
/// (kernel 4, no bias) + SiLU instead; its last conv_size-1 inputs are part of the state ("conv_q", "conv_k", "conv_v"
/// [B, conv_size-1, C]) next to "s" [B, H, K, V] (K-first).
/// </summary>
public sealed class GatedDeltaNet : nn.Module<Tensor, Tensor>, IMemoryModule
{
    private readonly Linear q_proj, k_proj, v_proj, a_proj, b_proj, g_proj, o_proj;
    private readonly Parameter A_log, dt_bias;
    private readonly ShortConvolution? q_conv1d, k_conv1d, v_conv1d;
    private readonly RmsNorm o_norm;
    private readonly GatedDeltaNetConfig _cfg;
    private readonly int _vDim;

    public GatedDeltaNet(GatedDeltaNetConfig cfg) : base("GatedDeltaNet")
    {
        _cfg = cfg;
        int d = cfg.DModel, h = cfg.NumHeads, k = cfg.HeadDim;
        _vDim = (int)(k * cfg.ExpandV);
        q_proj = nn.Linear(d, h * k, hasBias: false);
        k_proj = nn.Linear(d, h * k, hasBias: false);
        v_proj = nn.Linear(d, h * _vDim, hasBias: false);
        a_proj = nn.Linear(d, h, hasBias: false);
        b_proj = nn.Linear(d, h, hasBias: false);
        g_proj = nn.Linear(d, h * _vDim, hasBias: false);
        o_proj = nn.Linear(h * _vDim, d, hasBias: false);
        o_norm = new RmsNorm(_vDim, cfg.NormEps);
        if (cfg.UseShortConv)
        {
            q_conv1d = new ShortConvolution(h * k, cfg.ConvSize);
            k_conv1d = new ShortConvolution(h * k, cfg.ConvSize);
            v_conv1d = new ShortConvolution(h * _vDim, cfg.ConvSize);
        }
        // fla init: A ~ U(0, 16), A_log = log A; dt = exp(U(log 1e-3, log 0.1)) clamped >= 1e-4; dt_bias = softplus^-1(dt).
        var a = empty(h).uniform_(1e-4, 16);
        var dt = (rand(h) * (Math.Log(0.1) - Math.Log(1e-3)) + Math.Log(1e-3)).exp().clamp_min(1e-4);
        A_log = nn.Parameter(a.log());
        dt_bias = nn.Parameter(dt + (-(-dt).expm1()).log());
        RegisterComponents();
    }

    public int ModelDim => _cfg.DModel;

    public MemoryState InitialState(int batchSize, Device? device = null)
    {
        var dev = device ?? A_log.device;
        var state = new Dictionary<string, Tensor> { ["s"] = zeros(batchSize, _cfg.NumHeads, _cfg.HeadDim, _vDim, device: dev) };
        if (_cfg.UseShortConv)
        {
            state["conv_q"] = q_conv1d!.InitialCache(batchSize, dev);
            state["conv_k"] = k_conv1d!.InitialCache(batchSize, dev);
            state["conv_v"] = v_conv1d!.InitialCache(batchSize, dev);
        }
        return new MemoryState(state);
    }

    public (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        int h = _cfg.NumHeads;
        Tensor Heads(Tensor z, int dim) => z.view(b, t, h, dim).transpose(1, 2);
        var next = new Dictionary<string, Tensor>();
        Tensor Mix(Linear proj, ShortConvolution? conv, string cache)
        {
            var z = proj.forward(x);
            if (conv is null) return nn.functional.silu(z);
            var (y, c) = conv.Forward(z, state[cache]);
            next[cache] = c;
            return y;
        }
        var q = Heads(Mix(q_proj, q_conv1d, "conv_q"), _cfg.HeadDim);
        var k = Heads(Mix(k_proj, k_conv1d, "conv_k"), _cfg.HeadDim);
        var v = Heads(Mix(v_proj, v_conv1d, "conv_v"), _vDim);
        (q, k) = GatedDeltaRule.NormaliseQK(q, k);
        var g = GatedDeltaRule.Gate(a_proj.forward(x).transpose(1, 2), A_log, dt_bias);
        var beta = b_proj.forward(x).transpose(1, 2).sigmoid();
        var (o, s) = _cfg.Mode == "recurrent"
            ? Take2(GatedDeltaRule.Recurrent(q, k, v, g, beta, state["s"]))
            : GatedDeltaRule.Chunk(q, k, v, g, beta, state["s"], _cfg.ChunkSize);
        var gate = Heads(g_proj.forward(x), _vDim);
        o = o_norm.Gated(o, gate).transpose(1, 2).reshape(b, t, h * _vDim);
        next["s"] = s;
        return (o_proj.forward(o), new MemoryState(next));
    }

    private static (Tensor, Tensor) Take2((Tensor O, Tensor S, Tensor? _) r) => (r.O, r.S);

    public override Tensor forward(Tensor x) => Forward(x, InitialState((int)x.shape[0], x.device)).Output;
}

/// <summary>The bare gated delta rule (no parameters) for the gated_deltanet fixture.</summary>
public sealed class GatedDeltaRuleModule : nn.Module<Tensor, Tensor>
{
    public GatedDeltaRuleModule(GatedDeltaNetConfig cfg) : base("GatedDeltaRule") => Config = cfg;

    public GatedDeltaNetConfig Config { get; }

    public override Tensor forward(Tensor x) => throw new NotSupportedException("GatedDeltaRuleModule is driven by RunFixture.");

    /// <summary>Runs the fixture inputs (raw q, k, v and gate logits) through the step or chunk form.</summary>
    public Dictionary<string, Tensor> Run(Zoo.Core.Fixtures.ParityFixture fx)
    {
        var f64 = ScalarType.Float64;
        Tensor In(string n) => fx.Input(n).to(f64);
        var (q, k) = GatedDeltaRule.NormaliseQK(In("q"), In("k"));
        var v = In("v");
        var g = GatedDeltaRule.Gate(In("a"), In("A_log"), In("dt_bias"));
        var beta = In("b").sigmoid();
        var result = new Dictionary<string, Tensor>
        {
            ["q_l2"] = GatedDeltaRule.L2Norm(In("q")),
            ["k_l2"] = GatedDeltaRule.L2Norm(In("k")),
        };
        var (o, s, states) = GatedDeltaRule.Recurrent(q, k, v, g, beta, keepStates: true);
        result["states"] = states!;
        if (Config.Mode == "recurrent")
        {
            result["o"] = o; result["state"] = s;
            (result["o_h0"], result["state_h0"], _) = GatedDeltaRule.Recurrent(q, k, v, g, beta, In("h0"));
        }
        else
        {
            (result["o"], result["state"]) = GatedDeltaRule.Chunk(q, k, v, g, beta, null, Config.ChunkSize);
            (result["o_h0"], result["state_h0"]) = GatedDeltaRule.Chunk(q, k, v, g, beta, In("h0"), Config.ChunkSize);
        }
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32));
    }
}
