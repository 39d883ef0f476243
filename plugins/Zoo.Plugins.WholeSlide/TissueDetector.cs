using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// Tissue detection on a low-resolution rendering (CLAM <c>WholeSlideImage.segmentTissue</c>, histolab <c>TissueMask</c>):
/// HSV saturation → median blur → Otsu (or fixed) threshold → morphological closing → remove specks / fill small holes by area.
/// </summary>
public static partial class TissueDetector
{
    /// <summary>Renders the slide at the mask resolution (streaming through the best pyramid level) and segments it.</summary>
    public static (TissueMask Mask, byte[] ThumbnailRgb) Detect(ISlideReader slide, TissueOptions? options = null)
    {
        options ??= new TissueOptions();
        var l0 = slide.Levels[0];
        double mpp0 = slide.Mpp.Value ?? options.AssumedMpp;
        double ds = Math.Max(1, options.MaskMpp / mpp0);
        // Keep the mask between 64 and 8192 px on the long side.
        double longest = Math.Max(l0.Width, l0.Height);
        ds = Math.Clamp(ds, Math.Max(1, longest / 8192), Math.Max(1, longest / 64));
        int level = 0;
        for (int i = 0; i < slide.Levels.Count; i++)
            if (slide.Levels[i].Downsample <= ds * 1.001) level = i;
        int mw = Math.Max(1, (int)Math.Round(l0.Width / ds)), mh = Math.Max(1, (int)Math.Round(l0.Height / ds));
        var rgb = RenderThumbnail(slide, level, mw, mh);
        double sx = (double)l0.Width / mw, sy = (double)l0.Height / mh;
        double pxArea = sx * sy * mpp0 * mpp0;
        var mask = Segment(rgb, mw, mh, options, options.MinRegionUm2 / pxArea, options.MaxHoleUm2 / pxArea, out int thr);
        return (new TissueMask(mask, mw, mh, sx, sy, thr), rgb);
    }

    /// <summary>RGB bytes of a level resampled to exactly w×h (libvips streams the level; nothing whole is decoded at once).</summary>
    internal static byte[] RenderThumbnail(ISlideReader slide, int level, int w, int h)
    {
        var lv = slide.Levels[level];
        using var src = slide.LevelImage(level);
        double hs = (double)w / lv.Width, vs = (double)h / lv.Height;
        using var small = src.Resize(hs, vscale: vs);
        using var exact = VipsSetup.CropPadded(small, 0, 0, w, h);
        var bytes = exact.WriteToMemory<byte>();
        if (bytes.Length != w * h * 3) throw new SlideReadException(slide.Path, $"thumbnail has {bytes.Length} bytes, expected {w * h * 3}");
        return bytes;
    }

    /// <summary>The segmentation pipeline on an RGB thumbnail; areas in mask pixels. Returns 0/255 bytes.</summary>
    public static byte[] Segment(byte[] rgb, int w, int h, TissueOptions o, double minRegionPx, double maxHolePx, out int threshold)
    {
        var s = Saturation(rgb, w, h);
        if (o.MedianSize > 1) s = MedianBlur(s, w, h, o.MedianSize);
        threshold = o.Threshold ?? Math.Max(o.MinOtsuThreshold, Otsu(Histogram(s)));
        var m = new byte[w * h];
        for (int i = 0; i < m.Length; i++) m[i] = s[i] > threshold ? (byte)255 : (byte)0;
        if (o.CloseSize > 1) m = Close(m, w, h, o.CloseSize);
        if (minRegionPx > 0) RemoveSmallRegions(m, w, h, minRegionPx, foreground: true);
        if (maxHolePx > 0) RemoveSmallRegions(m, w, h, maxHolePx, foreground: false);
        return m;
    }
}
