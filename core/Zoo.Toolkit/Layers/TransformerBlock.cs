using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>
/// timm's pre-norm <c>Block</c> (ViT Eq. 2-3, ViViT Eq. 4-5): x + drop_path(attn(norm1(x))), then x + drop_path(mlp(norm2(x))),
/// LayerNorm eps 1e-6; keys norm1, attn (fused qkv), norm2, mlp (fc1/fc2), drop_path.
/// </summary>
public sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly SelfAttention attn;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly Mlp mlp;
    private readonly DropPath drop_path;
#pragma warning restore IDE1006

    public TransformerBlock(int dim, int heads, double mlpRatio, bool qkvBias, double attnDrop, double projDrop, double dropPath) : base("Block")
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new SelfAttention(dim, heads, qkvBias, attnDrop, projDrop);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new Mlp(dim, (int)(dim * mlpRatio), projDrop);
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
