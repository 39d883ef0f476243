using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.Vit;

/// <summary>Patch embedding (paper Eq. 1): a P x P conv with stride P (timm <c>patch_embed.proj</c>).</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> proj;
#pragma warning restore IDE1006

    public PatchEmbed(int inChans, int embedDim, int patch) : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(inChans, embedDim, kernel_size: patch, stride: patch);
        RegisterComponents();
    }

    /// <summary>[B, C, H, W] -> [B, n, d] (patches row-major).</summary>
    public override Tensor forward(Tensor x)
    {
        using var y = proj.forward(x);
        return y.flatten(2).transpose(1, 2);
    }
}
