using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Configuration of an HGRN-2 layer (fla HGRN2Attention names).</summary>
public sealed record Hgrn2Config
{
    public int DModel { get; init; } = 64;
    /// <summary>State expansion = forget dimension per head; num_heads = d_model / expand_ratio.</summary>
    public int ExpandRatio { get; init; } = 16;
    public string Mode { get; init; } = "chunk";
    public int ChunkSize { get; init; } = 16;
    /// <summary>Lower bound of the forget gate (HGRN-2 layers above the first; 0 = none).</summary>
    public double LowerBound { get; init; }
    public double NormEps { get; init; } = 1e-6;
}

/// <summary>
/// HGRN-2 token mixer (Qin et al., arXiv:2404.07904; fla layers/hgrn2.py): q = SiLU(q_proj x), f = f_proj x,
/// v = i_proj x, g = logsigmoid(f) (lower-bounded when configured), k = 1 - exp(g), GLA recurrence per head,
/// y = o_proj(RMSNorm over the whole hidden(concat heads)). The model-level lower-bound parameters of HGRN-2 are
/// replaced by a fixed per-layer lower bound in configuration. State "s" [B, H, K, V].
/// </summary>
public sealed class Hgrn2 : nn.Module<Tensor, Tensor>, IMemoryModule
{
    private readonly Linear q_proj, f_proj, i_proj, o_proj;
    private readonly RmsNorm g_norm;
    private readonly Hgrn2Config _cfg;
    private readonly int _heads, _headDim;

    public Hgrn2(Hgrn2Config cfg) : base("Hgrn2")
    {
        if (cfg.DModel % cfg.ExpandRatio != 0)
            throw new ArgumentException($"HGRN-2: d_model {cfg.DModel} is not a multiple of expand_ratio {cfg.ExpandRatio}.");
        _cfg = cfg;
        _heads = cfg.DModel / cfg.ExpandRatio;
        _headDim = cfg.ExpandRatio;
        q_proj = nn.Linear(cfg.DModel, cfg.DModel, hasBias: false);
        f_proj = nn.Linear(cfg.DModel, cfg.DModel, hasBias: false);
        i_proj = nn.Linear(cfg.DModel, cfg.DModel, hasBias: false);
        g_norm = new RmsNorm(cfg.DModel, cfg.NormEps);
        o_proj = nn.Linear(cfg.DModel, cfg.DModel, hasBias: false);
        RegisterComponents();
    }

    public int ModelDim => _cfg.DModel;

    public MemoryState InitialState(int batchSize, Device? device = null) =>
        new(new Dictionary<string, Tensor> { ["s"] = zeros(batchSize, _heads, _headDim, _headDim, device: device ?? q_proj.weight!.device) });

    public (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        Tensor Heads(Tensor z) => z.view(b, t, _heads, _headDim).transpose(1, 2);
        var q = Heads(nn.functional.silu(q_proj.forward(x)));
        var g = Heads(Hgrn2Recurrence.LogForget(f_proj.forward(x), _cfg.LowerBound));
        var v = Heads(i_proj.forward(x));
        var (o, s) = _cfg.Mode == "recurrent"
            ? Hgrn2Recurrence.Recurrent(q, g, v, state["s"])
            : Hgrn2Recurrence.Chunk(q, g, v, state["s"], _cfg.ChunkSize);
        var y = g_norm.forward(o.transpose(1, 2).reshape(b, t, _cfg.DModel));
        return (o_proj.forward(y), new MemoryState(new Dictionary<string, Tensor> { ["s"] = s }));
    }

    public override Tensor forward(Tensor x) => Forward(x, InitialState((int)x.shape[0], x.device)).Output;
}
