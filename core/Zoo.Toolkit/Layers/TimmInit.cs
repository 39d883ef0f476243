using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>timm's weight initialisation: trunc_normal_(std) with absolute bounds [-2, 2], zero biases, LayerNorm (1, 0).</summary>
public static class TimmInit
{
    /// <summary>
    /// N(0, std^2) truncated to [-2, 2] like timm's <c>trunc_normal_(t, std)</c> (for std 0.02 this is a plain normal).
    /// TorchSharp 0.107's nn.init.trunc_normal_ returned +-std only, so it is not used.
    /// </summary>
    public static void TruncatedNormal(Tensor t, double std)
    {
        using var _ = torch.no_grad();
        t.normal_(0, std).clamp_(Scalars.Of(-2.0), Scalars.Of(2.0));
    }

    /// <summary>Every Linear of <paramref name="module"/>: weights trunc_normal(<paramref name="std"/>), biases 0.</summary>
    public static void Linears(nn.Module module, double std = 0.02)
    {
        using var _ = torch.no_grad();
        foreach (var (_, m) in module.named_modules())
            if (m is TorchSharp.Modules.Linear lin)
            {
                TruncatedNormal(lin.weight, std);
                if (lin.bias is not null) nn.init.zeros_(lin.bias);
            }
    }

    /// <summary>Every LayerNorm of <paramref name="module"/>: weight 1, bias 0.</summary>
    public static void LayerNorms(nn.Module module)
    {
        using var _ = torch.no_grad();
        foreach (var (_, m) in module.named_modules())
            if (m is TorchSharp.Modules.LayerNorm ln)
            {
                if (ln.weight is not null) nn.init.ones_(ln.weight);
                if (ln.bias is not null) nn.init.zeros_(ln.bias);
            }
    }
}
