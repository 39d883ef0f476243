using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>Stochastic depth (drops a whole residual branch per sample while training); identity in eval or at rate 0.</summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    private readonly double _p;

    public DropPath(double p) : base(nameof(DropPath)) => _p = p;

    /// <summary>The linear stochastic-depth rule of ViT/TNT/DeiT: block <paramref name="index"/> of <paramref name="depth"/> gets rate * i / (depth - 1).</summary>
    public static double Rate(double maxRate, int index, int depth) => depth <= 1 ? 0 : maxRate * index / (depth - 1);

    public override Tensor forward(Tensor x)
    {
        if (_p <= 0 || !training) return x.alias();
        using var keepScale = (1 / (1 - _p)).ToScalar();
        var shape = new long[x.dim()];
        shape[0] = x.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        using var keep = torch.empty(shape, dtype: x.dtype, device: x.device).bernoulli_(1 - _p).mul_(keepScale);
        return x.mul(keep);
    }
}
