using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.Vit;

/// <summary>timm ViT attention (paper Eq. 2, MSA): one fused qkv Linear, softmax(q k^T / sqrt(d_head)) v, proj.</summary>
public sealed class VitAttention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> qkv;
    private readonly nn.Module<Tensor, Tensor> attn_drop;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor> proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly Scalar _scale;

    public VitAttention(int dim, int heads, bool qkvBias, double attnDrop, double projDrop) : base("Attention")
    {
        _heads = heads;
        _scale = AttentionOps.Scale(dim / heads);
        qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        attn_drop = nn.Dropout(attnDrop);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(projDrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// Attention with optional prefix keys/values [B, Lp, C] (prefix-tuning, Li &amp; Liang 2021; the form CODA-Prompt uses):
    /// they are prepended to the projected keys and values, so softmax runs over Lp + n positions and the output keeps n tokens.
    /// </summary>
    public Tensor Forward(Tensor x, (Tensor Keys, Tensor Values)? prefix)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var parts = qkv.forward(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4).unbind(0);
        Tensor k = parts[1], v = parts[2];
        if (prefix is var (pk, pv))
        {
            if (pk.dim() != 3 || pv.dim() != 3 || pk.shape[0] != b || pv.shape[0] != b || pk.shape[2] != c || pv.shape[2] != c || pk.shape[1] != pv.shape[1])
                throw new ArgumentException($"ViT attention prefix: keys and values must both be [{b}, Lp, {c}], " +
                    $"got [{string.Join(", ", pk.shape)}] and [{string.Join(", ", pv.shape)}].");
            k = torch.cat([AttentionOps.SplitHeads(pk, _heads), k], 2);
            v = torch.cat([AttentionOps.SplitHeads(pv, _heads), v], 2);
        }
        var mixed = AttentionOps.MergeHeads(AttentionOps.ScaledDotProduct(parts[0], k, v, _scale, attn_drop));
        return proj_drop.forward(proj.forward(mixed)).MoveToOuterDisposeScope();
    }
}

/// <summary>timm ViT block (paper Eq. 2-3): x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly VitAttention attn;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly Mlp mlp;
    private readonly DropPath drop_path;
#pragma warning restore IDE1006

    public VitBlock(VitConfig c, double dropPath) : base("Block")
    {
        norm1 = nn.LayerNorm(c.EmbedDim, eps: 1e-6);
        attn = new VitAttention(c.EmbedDim, c.NumHeads, c.QkvBias, c.AttnDropRate, c.ProjDropRate);
        norm2 = nn.LayerNorm(c.EmbedDim, eps: 1e-6);
        mlp = new Mlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), c.ProjDropRate);
        drop_path = new DropPath(dropPath);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        x = AttentionOps.Residual(x, drop_path.forward(attn.forward(norm1.forward(x))));
        x = AttentionOps.Residual(x, drop_path.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block with a learner's extension (Zoo.Core <see cref="IEncoderExtension"/>): prefix keys/values in the attention and
    /// an adapter in parallel with the MLP branch (AdaptFormer "parallel": x + mlp(norm2(x)) + adapter(x)).
    /// </summary>
    public Tensor Forward(Tensor x, IEncoderExtension extension, int layer)
    {
        using var scope = torch.NewDisposeScope();
        x = AttentionOps.Residual(x, drop_path.forward(attn.Forward(norm1.forward(x), extension.Prefix(layer, x))));
        var adapted = extension.Adapter(layer, x);
        var y = AttentionOps.Residual(x, drop_path.forward(mlp.forward(norm2.forward(x))));
        if (adapted is not null)
        {
            if (!adapted.shape.SequenceEqual(x.shape))
                throw new ArgumentException($"ViT block {layer}: the adapter returned [{string.Join(", ", adapted.shape)}], " +
                    $"expected [{string.Join(", ", x.shape)}].");
            y = AttentionOps.Residual(y, adapted);
        }
        return y.MoveToOuterDisposeScope();
    }
}
