using TorchSharp;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Multi-head self-attention as TNT uses it at both levels (paper Eq. 1-2): separate <c>qk</c> and <c>v</c> projections
/// (timm key names attn_*.qk / attn_*.v / attn_*.proj), softmax(q k^T / sqrt(d_head)) v, output projection with bias.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> qk;
    private readonly nn.Module<Tensor, Tensor> v;
    private readonly nn.Module<Tensor, Tensor> attn_drop;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor> proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly int _headDim;
    private readonly Scalar _scale;

    public Attention(int dim, int hiddenDim, int numHeads, bool qkvBias, double attnDrop, double projDrop) : base(nameof(Attention))
    {
        _heads = numHeads;
        _headDim = hiddenDim / numHeads;
        _scale = AttentionOps.Scale(_headDim);
        qk = nn.Linear(dim, hiddenDim * 2, hasBias: qkvBias);
        v = nn.Linear(dim, dim, hasBias: qkvBias);
        attn_drop = nn.Dropout(attnDrop);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(projDrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var parts = qk.forward(x).reshape(b, n, 2, _heads, _headDim).permute(2, 0, 3, 1, 4).unbind(0);
        var values = AttentionOps.SplitHeads(v.forward(x), _heads);
        var mixed = AttentionOps.MergeHeads(AttentionOps.ScaledDotProduct(parts[0], parts[1], values, _scale, attn_drop));
        return proj_drop.forward(proj.forward(mixed)).MoveToOuterDisposeScope();
    }
}
