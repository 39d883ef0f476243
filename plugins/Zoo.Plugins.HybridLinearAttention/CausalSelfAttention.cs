using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// Causal softmax attention with rotary position embeddings (the "full attention" layer of the hybrids). As an
/// <see cref="IMemoryModule"/> its state is the KV cache ("k", "v" [B, H, T_past, D]), so it grows with the context.
/// </summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>, IMemoryModule
{
    private readonly Linear q_proj, k_proj, v_proj, o_proj;
    private readonly int _dModel, _heads, _headDim;
    private readonly double _ropeTheta;

    public CausalSelfAttention(int dModel, int numHeads, double ropeTheta = 10000) : base("CausalSelfAttention")
    {
        if (dModel % numHeads != 0) throw new ArgumentException($"Attention: d_model {dModel} is not a multiple of num_heads {numHeads}.");
        (_dModel, _heads, _headDim, _ropeTheta) = (dModel, numHeads, dModel / numHeads, ropeTheta);
        q_proj = nn.Linear(dModel, dModel, hasBias: false);
        k_proj = nn.Linear(dModel, dModel, hasBias: false);
        v_proj = nn.Linear(dModel, dModel, hasBias: false);
        o_proj = nn.Linear(dModel, dModel, hasBias: false);
        RegisterComponents();
    }

    public int ModelDim => _dModel;

    public MemoryState InitialState(int batchSize, Device? device = null)
    {
        var dev = device ?? q_proj.weight!.device;
        return new MemoryState(new Dictionary<string, Tensor>
        {
            ["k"] = zeros(batchSize, _heads, 0, _headDim, device: dev),
            ["v"] = zeros(batchSize, _heads, 0, _headDim, device: dev),
        });
    }

    /// <summary>Rotary embedding (RoFormer) of x [B,H,T,D] at absolute positions offset.. offset+T-1 (rotate-half layout).</summary>
    private Tensor Rope(Tensor x, long offset)
    {
        var t = x.shape[2];
        var half = _headDim / 2;
        var inv = (arange(0, half, dtype: ScalarType.Float32, device: x.device) * (-2.0 * Math.Log(_ropeTheta) / _headDim)).exp();
        var ang = arange(offset, offset + t, dtype: ScalarType.Float32, device: x.device).unsqueeze(1) * inv.unsqueeze(0); // [T, half]
        var cos = cat([ang.cos(), ang.cos()], -1).to(x.dtype);
        var sin = cat([ang.sin(), ang.sin()], -1).to(x.dtype);
        var x1 = x[.., .., .., ..half];
        var x2 = x[.., .., .., half..];
        return x * cos + cat([-x2, x1], -1) * sin;
    }

    public (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state)
    {
        var (b, t) = (x.shape[0], x.shape[1]);
        Tensor Heads(Tensor z) => z.view(b, t, _heads, _headDim).transpose(1, 2);
        var past = state["k"].shape[2];
        var q = Rope(Heads(q_proj.forward(x)), past);
        var k = cat([state["k"], Rope(Heads(k_proj.forward(x)), past)], 2);
        var v = cat([state["v"], Heads(v_proj.forward(x))], 2);
        Tensor o;
        if (past == 0) o = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        else
        {
            // query i (absolute past + i) sees keys 0..past+i
            var mask = ones(t, past + t, dtype: ScalarType.Bool, device: x.device).tril(past);
            o = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        }
        var y = o_proj.forward(o.transpose(1, 2).reshape(b, t, _dModel));
        return (y, new MemoryState(new Dictionary<string, Tensor> { ["k"] = k, ["v"] = v }));
    }

    public override Tensor forward(Tensor x) => Forward(x, InitialState((int)x.shape[0], x.device)).Output;
}
