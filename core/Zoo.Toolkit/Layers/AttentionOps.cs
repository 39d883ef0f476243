using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>The multi-head attention arithmetic ViT, TNT and ViViT share (their projections and key names stay their own).</summary>
public static class AttentionOps
{
    /// <summary>[B, N, heads * d] -> [B, heads, N, d].</summary>
    public static Tensor SplitHeads(Tensor x, int heads)
    {
        long b = x.shape[0], n = x.shape[1];
        return x.reshape(b, n, heads, -1).permute(0, 2, 1, 3);
    }

    /// <summary>[B, heads, N, d] -> [B, N, heads * d].</summary>
    public static Tensor MergeHeads(Tensor x)
    {
        long b = x.shape[0], n = x.shape[2];
        return x.transpose(1, 2).reshape(b, n, -1);
    }

    /// <summary>softmax(q k^T * scale) v with dropout on the attention weights: q [B, h, N, d], k/v [B, h, M, d] -> [B, h, N, d].</summary>
    public static Tensor ScaledDotProduct(Tensor q, Tensor k, Tensor v, Scalar scale, nn.Module<Tensor, Tensor> attnDrop)
    {
        using var scope = torch.NewDisposeScope();
        var attn = attnDrop.forward(q.matmul(k.transpose(-2, -1)).mul_(scale).softmax(-1));
        return attn.matmul(v).MoveToOuterDisposeScope();
    }

    /// <summary>The usual 1/sqrt(head dim) scale as a Scalar that lives as long as the module holding it.</summary>
    public static Scalar Scale(int headDim) => Math.Pow(headDim, -0.5).ToScalar();

    /// <summary>a + b with a Scalar alpha that cannot be collected mid-call (residual connections in hot paths).</summary>
    public static Tensor Residual(Tensor a, Tensor b) => a.add(b, Scalars.One);
}
