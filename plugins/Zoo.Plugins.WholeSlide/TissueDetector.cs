using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// Tissue segmentation settings (CLAM <c>segmentTissue</c> defaults where they exist: median 7, close 4, sthresh 8;
/// Otsu on by default here because a fixed threshold needs per-cohort tuning).
/// </summary>
public sealed record TissueOptions
{
    /// <summary>Resolution of the mask in µm/px (8 ≈ level-0 ×32 at 0.25 µm/px).</summary>
    public double MaskMpp { get; init; } = 8;

    /// <summary>Fixed saturation threshold 0..255 (tissue = S &gt; threshold); null = Otsu.</summary>
    public int? Threshold { get; init; }

    /// <summary>Lower bound for the Otsu threshold, so a slide of pure glass does not split its noise into "tissue" (CLAM's sthresh).</summary>
    public int MinOtsuThreshold { get; init; } = 8;

    /// <summary>Median blur window (odd, mask pixels; CLAM mthresh).</summary>
    public int MedianSize { get; init; } = 7;

    /// <summary>Morphological closing square kernel (mask pixels; CLAM close).</summary>
    public int CloseSize { get; init; } = 4;

    /// <summary>Tissue regions smaller than this (µm²) are removed as specks.</summary>
    public double MinRegionUm2 { get; init; } = 10_000;

    /// <summary>Holes in tissue smaller than this (µm²) are filled.</summary>
    public double MaxHoleUm2 { get; init; } = 10_000;

    /// <summary>Level-0 µm/px assumed for sizes when the slide has no usable mpp (40× scan).</summary>
    public double AssumedMpp { get; init; } = 0.25;
}

/// <summary>A binary tissue mask at low resolution, mapped to level-0 coordinates.</summary>
public sealed class TissueMask
{
    private readonly double[] _sat; // summed-area table (W+1)*(H+1)

    public TissueMask(byte[] data, int width, int height, double scaleX, double scaleY, int threshold)
    {
        if (data.Length != width * height) throw new ArgumentException("mask size mismatch", nameof(data));
        Data = data; Width = width; Height = height; ScaleX = scaleX; ScaleY = scaleY; Threshold = threshold;
        _sat = new double[(width + 1) * (height + 1)];
        long count = 0;
        for (int y = 0; y < height; y++)
        {
            double row = 0;
            for (int x = 0; x < width; x++)
            {
                int v = data[y * width + x] != 0 ? 1 : 0;
                row += v; count += v;
                _sat[(y + 1) * (width + 1) + x + 1] = _sat[y * (width + 1) + x + 1] + row;
            }
        }
        TissueFraction = width * height == 0 ? 0 : (double)count / (width * height);
    }

    /// <summary>0 (background) or 255 (tissue), row-major.</summary>
    public byte[] Data { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Level-0 pixels per mask pixel.</summary>
    public double ScaleX { get; }
    public double ScaleY { get; }
    public int Threshold { get; }
    public double TissueFraction { get; }

    /// <summary>Integral of the mask over [0,X]×[0,Y] in mask units; bilinear in the summed-area table is exact for a piecewise-constant image.</summary>
    private double Integral(double x, double y)
    {
        x = Math.Clamp(x, 0, Width); y = Math.Clamp(y, 0, Height);
        int x0 = Math.Min((int)x, Width - 1), y0 = Math.Min((int)y, Height - 1);
        if (Width == 0 || Height == 0) return 0;
        double fx = x - x0, fy = y - y0;
        int s = Width + 1;
        double a = _sat[y0 * s + x0], b = _sat[y0 * s + x0 + 1], c = _sat[(y0 + 1) * s + x0], d = _sat[(y0 + 1) * s + x0 + 1];
        return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy;
    }

    /// <summary>Fraction of the level-0 rectangle covered by tissue (area outside the slide counts as background).</summary>
    public double Fraction(double x0, double y0, double w, double h)
    {
        double ax = x0 / ScaleX, ay = y0 / ScaleY, bx = (x0 + w) / ScaleX, by = (y0 + h) / ScaleY;
        double area = (bx - ax) * (by - ay);
        if (area <= 0) return 0;
        double s = Integral(bx, by) - Integral(ax, by) - Integral(bx, ay) + Integral(ax, ay);
        return Math.Clamp(s / area, 0, 1);
    }
}

/// <summary>
/// Tissue detection on a low-resolution rendering (CLAM <c>WholeSlideImage.segmentTissue</c>, histolab <c>TissueMask</c>):
/// HSV saturation → median blur → Otsu (or fixed) threshold → morphological closing → remove specks / fill small holes by area.
/// </summary>
public static class TissueDetector
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

    /// <summary>HSV saturation as OpenCV computes it for 8-bit images: (max−min)/max·255.</summary>
    public static byte[] Saturation(byte[] rgb, int w, int h)
    {
        var s = new byte[w * h];
        for (int i = 0; i < s.Length; i++)
        {
            int r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            int mx = Math.Max(r, Math.Max(g, b)), mn = Math.Min(r, Math.Min(g, b));
            s[i] = mx == 0 ? (byte)0 : (byte)((mx - mn) * 255 / mx);
        }
        return s;
    }

    public static int[] Histogram(byte[] v)
    {
        var hist = new int[256];
        foreach (var b in v) hist[b]++;
        return hist;
    }

    /// <summary>Otsu (1979): the threshold t maximising between-class variance of {v ≤ t} and {v &gt; t}.</summary>
    public static int Otsu(int[] hist)
    {
        long total = 0; double sumAll = 0;
        for (int i = 0; i < hist.Length; i++) { total += hist[i]; sumAll += (double)i * hist[i]; }
        if (total == 0) return 0;
        double sumB = 0, best = -1; long wB = 0; int t = 0;
        for (int i = 0; i < hist.Length; i++)
        {
            wB += hist[i];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += (double)i * hist[i];
            double mB = sumB / wB, mF = (sumAll - sumB) / wF;
            double between = (double)wB * wF * (mB - mF) * (mB - mF);
            if (between > best) { best = between; t = i; }
        }
        return t;
    }

    /// <summary>Median filter with a k×k window (edges replicated, as OpenCV's medianBlur), histogram sliding per row.</summary>
    public static byte[] MedianBlur(byte[] src, int w, int h, int k)
    {
        if (k % 2 == 0) k++;
        int r = k / 2, half = k * k / 2;
        var dst = new byte[w * h];
        var hist = new int[256];
        for (int y = 0; y < h; y++)
        {
            Array.Clear(hist);
            for (int dy = -r; dy <= r; dy++)
            {
                int yy = Math.Clamp(y + dy, 0, h - 1);
                for (int dx = -r; dx <= r; dx++) hist[src[yy * w + Math.Clamp(dx, 0, w - 1)]]++;
            }
            for (int x = 0; x < w; x++)
            {
                if (x > 0)
                {
                    int xo = Math.Clamp(x - r - 1, 0, w - 1), xi = Math.Clamp(x + r, 0, w - 1);
                    for (int dy = -r; dy <= r; dy++)
                    {
                        int row = Math.Clamp(y + dy, 0, h - 1) * w;
                        hist[src[row + xo]]--;
                        hist[src[row + xi]]++;
                    }
                }
                int acc = 0, v = 0;
                for (; v < 256; v++) { acc += hist[v]; if (acc > half) break; }
                dst[y * w + x] = (byte)v;
            }
        }
        return dst;
    }

    /// <summary>Closing (dilate then erode) with a k×k square, separable min/max filters; anchor at k/2 like OpenCV.</summary>
    public static byte[] Close(byte[] m, int w, int h, int k)
    {
        var d = MinMax(m, w, h, k, max: true);
        return MinMax(d, w, h, k, max: false);
    }

    private static byte[] MinMax(byte[] src, int w, int h, int k, bool max)
    {
        int a = k / 2;
        byte outside = max ? (byte)0 : (byte)255;
        var tmp = new byte[w * h];
        var dst = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte acc = max ? (byte)0 : (byte)255;
                for (int i = 0; i < k; i++)
                {
                    int xx = x - a + i;
                    byte v = xx < 0 || xx >= w ? outside : src[y * w + xx];
                    acc = max ? Math.Max(acc, v) : Math.Min(acc, v);
                }
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte acc = max ? (byte)0 : (byte)255;
                for (int i = 0; i < k; i++)
                {
                    int yy = y - a + i;
                    byte v = yy < 0 || yy >= h ? outside : tmp[yy * w + x];
                    acc = max ? Math.Max(acc, v) : Math.Min(acc, v);
                }
                dst[y * w + x] = acc;
            }
        return dst;
    }

    /// <summary>
    /// Foreground: removes 8-connected tissue regions with area &lt; <paramref name="minArea"/>.
    /// Background: fills 4-connected holes (background regions not touching the border) with area &lt; <paramref name="minArea"/>.
    /// </summary>
    public static void RemoveSmallRegions(byte[] m, int w, int h, double minArea, bool foreground)
    {
        byte target = foreground ? (byte)255 : (byte)0;
        var seen = new bool[w * h];
        var queue = new List<int>();
        for (int start = 0; start < m.Length; start++)
        {
            if (seen[start] || m[start] != target) continue;
            queue.Clear();
            queue.Add(start);
            seen[start] = true;
            bool touchesBorder = false;
            for (int qi = 0; qi < queue.Count; qi++)
            {
                int p = queue[qi], px = p % w, py = p / w;
                if (px == 0 || py == 0 || px == w - 1 || py == h - 1) touchesBorder = true;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (dx == 0 && dy == 0) continue;
                        if (!foreground && dx != 0 && dy != 0) continue; // 4-connectivity for holes
                        int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int q = ny * w + nx;
                        if (seen[q] || m[q] != target) continue;
                        seen[q] = true;
                        queue.Add(q);
                    }
            }
            bool remove = queue.Count < minArea && (foreground || !touchesBorder);
            if (remove)
                foreach (var p in queue) m[p] = (byte)(255 - target);
        }
    }
}
