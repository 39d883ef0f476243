using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// fla ShortConvolution: a causal depthwise Conv1d (groups = channels, no bias) followed by SiLU, over [B, T, C].
/// The last kernel-1 inputs are the cache that lets a sequence be processed in pieces.
/// </summary>
public sealed class ShortConvolution : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly int _channels, _kernel;

    public ShortConvolution(int channels, int kernel) : base("ShortConvolution")
    {
        (_channels, _kernel) = (channels, kernel);
        weight = nn.Parameter(empty(channels, 1, kernel).uniform_(-1.0 / Math.Sqrt(kernel), 1.0 / Math.Sqrt(kernel)));   // Conv1d default init
        RegisterComponents();
    }

    public Tensor InitialCache(int batchSize, Device device) => zeros(batchSize, _kernel - 1, _channels, device: device);

    /// <summary>x [B, T, C] and cache [B, K-1, C] -> SiLU(conv(x)) [B, T, C] and the new cache.</summary>
    public (Tensor Output, Tensor Cache) Forward(Tensor x, Tensor cache)
    {
        var ext = cat([cache.to(x.dtype), x], 1);                                   // [B, K-1+T, C]
        var y = nn.functional.conv1d(ext.transpose(1, 2), weight, groups: _channels).transpose(1, 2);
        return (nn.functional.silu(y), ext[.., ^(_kernel - 1)..]);
    }

    public override Tensor forward(Tensor x) => Forward(x, InitialCache((int)x.shape[0], x.device)).Output;
}
