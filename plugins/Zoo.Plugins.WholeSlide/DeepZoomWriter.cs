using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// Optional output: a DeepZoom pyramid (libvips dzsave) of the tiled level at the grid's resolution; pixels outside the
/// tissue mask are set white and skipped. Written to a temp folder and renamed.
/// </summary>
internal static class DeepZoomWriter
{
    public static void Write(ISlideReader slide, TileGrid grid, TissueMask mask, string dzDir, string name, TilerOptions o)
    {
        string tmpDir = dzDir + ".tmp";
        if (Directory.Exists(tmpDir)) Directory.Delete(tmpDir, true);
        Directory.CreateDirectory(tmpDir);
        var img = slide.LevelImage(grid.Level);
        double s = grid.LevelDownsample / grid.Downsample;
        if (Math.Abs(s - 1) > 1e-9) img = img.Resize(s);
        using var m = Image.NewFromMemory(mask.Data, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar);
        using var mBig = m.Resize((double)img.Width / mask.Width, vscale: (double)img.Height / mask.Height, kernel: Enums.Kernel.Nearest);
        using var mFit = VipsSetup.CropPadded(mBig.Bandjoin(mBig, mBig), 0, 0, img.Width, img.Height);
        using var keep = mFit.ExtractBand(0) > 127;
        using var masked = keep.Ifthenelse(img, new double[] { 255, 255, 255 });
        using var rgb = masked.Cast(Enums.BandFormat.Uchar);
        rgb.Dzsave(Path.Combine(tmpDir, name), tileSize: o.DeepZoomTileSize, overlap: o.DeepZoomOverlap,
            suffix: $".jpg[Q={o.JpegQuality}]", skipBlanks: 0);
        if (Directory.Exists(dzDir)) Directory.Delete(dzDir, true);
        Directory.Move(tmpDir, dzDir);
    }
}
