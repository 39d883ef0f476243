using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Visual words (paper Sec. 2.2): each P x P patch ("visual sentence") becomes w x w words of width c by a 7x7 conv
/// with stride <c>first_stride</c>. Default (timm) layout: unfold the raw image into patches, conv each patch on its own
/// (zero padding at patch borders). Legacy (paper) layout: conv the whole image, then unfold the feature map.
/// Output before position embedding: [B*n, c, w, w] (the caller adds pixel_pos).
/// </summary>
public sealed class PixelEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> proj;
#pragma warning restore IDE1006
    private readonly TntConfig _c;

    public PixelEmbed(TntConfig config) : base(nameof(PixelEmbed))
    {
        _c = config;
        proj = nn.Conv2d(config.InChans, config.InnerDim, kernel_size: 7, stride: config.FirstStride, padding: 3);
        RegisterComponents();
    }

    /// <summary>[B, C, H, W] -> [B*n, c, w, w].</summary>
    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0];
        int g = _c.GridSize, p = _c.PatchSize, w = _c.WordGrid, c = _c.InnerDim;
        if (!_c.Legacy)
        {
            // Unfold(kernel=P, stride=P): patches row-major over the grid, each [C, P, P].
            using var patches = x.reshape(b, _c.InChans, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b * g * g, _c.InChans, p, p);
            return proj.forward(patches);
        }
        using var y = proj.forward(x);                                   // [B, c, g*w, g*w]
        return y.reshape(b, c, g, w, g, w).permute(0, 2, 4, 1, 3, 5).reshape(b * g * g, c, w, w);
    }
}
