using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Parameters of a generated slide (tests and <c>zoo bench wsi</c>; no real slides are shipped).</summary>
public sealed record SyntheticSlideSpec
{
    public int Width { get; init; } = 4096;
    public int Height { get; init; } = 3072;
    public double Mpp { get; init; } = 0.25;
    public int Seed { get; init; } = 1;
    public double TissueFraction { get; init; } = 0.28;

    /// <summary>Level-0 pixels per ground-truth field pixel.</summary>
    public int FieldScale { get; init; } = 32;
    public int TileSize { get; init; } = 256;
    public int JpegQuality { get; init; } = 85;
    public bool BigTiff { get; init; }

    /// <summary>Write a pyramid (pages at ×2 steps); false writes a single tiled level.</summary>
    public bool Pyramid { get; init; } = true;
}

/// <summary>Ground truth of a generated slide: a level-0 pixel is tissue iff the upsampled field ≥ 128.</summary>
public sealed class SyntheticSlideTruth
{
    public required int FieldWidth { get; init; }
    public required int FieldHeight { get; init; }
    public required int Scale { get; init; }
    public required byte[] Field { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }

    /// <summary>Field value at a level-0 position (bilinear, pixel centres as libvips' upsampling).</summary>
    public double Sample(double x0, double y0)
    {
        double fx = (x0 + 0.5) / Scale - 0.5, fy = (y0 + 0.5) / Scale - 0.5;
        fx = Math.Clamp(fx, 0, FieldWidth - 1); fy = Math.Clamp(fy, 0, FieldHeight - 1);
        int x = Math.Min((int)fx, FieldWidth - 2 < 0 ? 0 : FieldWidth - 2), y = Math.Min((int)fy, FieldHeight - 2 < 0 ? 0 : FieldHeight - 2);
        double ax = fx - x, ay = fy - y;
        int x1 = Math.Min(x + 1, FieldWidth - 1), y1 = Math.Min(y + 1, FieldHeight - 1);
        double a = Field[y * FieldWidth + x], b = Field[y * FieldWidth + x1], c = Field[y1 * FieldWidth + x], d = Field[y1 * FieldWidth + x1];
        return a * (1 - ax) * (1 - ay) + b * ax * (1 - ay) + c * (1 - ax) * ay + d * ax * ay;
    }

    /// <summary>Truth mask at w×h (sampled at each cell centre), 0/255.</summary>
    public byte[] MaskAt(int w, int h)
    {
        var m = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                m[y * w + x] = Sample((x + 0.5) * Width / w - 0.5, (y + 0.5) * Height / h - 0.5) >= 128 ? (byte)255 : (byte)0;
        return m;
    }

    /// <summary>Tissue fraction of a level-0 rectangle, sampled on a grid of <paramref name="step"/> px.</summary>
    public double Fraction(long x, long y, int size, int step = 8)
    {
        int n = 0, t = 0;
        for (long yy = y + step / 2; yy < y + size; yy += step)
            for (long xx = x + step / 2; xx < x + size; xx += step)
            {
                n++;
                if (xx < Width && yy < Height && Sample(xx, yy) >= 128) t++;
            }
        return n == 0 ? 0 : (double)t / n;
    }

    public double TissueFraction(int step = 16) =>
        Fraction(0, 0, Math.Max(Width, Height), step) * Math.Max(Width, Height) * Math.Max(Width, Height) / ((double)Width * Height);
}

/// <summary>
/// Generates a pyramidal tiled JPEG TIFF that looks like an H&amp;E slide: smooth seeded blobs (two octaves of blurred noise
/// under an elliptical window) thresholded at the (1 − tissue fraction) quantile, a pink stroma texture with purple
/// nuclei blended over near-white glass (241,241,244), mpp stored in the TIFF resolution tags (centimetre unit).
/// Pixels are computed by libvips in a streaming pipeline, so a 40000×30000 slide needs little memory.
/// </summary>
public static class SyntheticSlide
{
    static SyntheticSlide() => VipsSetup.Init();

    public static SyntheticSlideTruth Generate(string path, SyntheticSlideSpec spec)
    {
        var truth = Truth(spec);
        var (field, fw, fh, F) = (truth.Field, truth.FieldWidth, truth.FieldHeight, truth.Scale);
        WritePixels(path, spec, field, fw, fh, F);
        return truth;
    }

    /// <summary>The ground-truth field alone (a pure function of the spec; no file written).</summary>
    public static SyntheticSlideTruth Truth(SyntheticSlideSpec spec)
    {
        int F = spec.FieldScale;
        int fw = (spec.Width + F - 1) / F + 1, fh = (spec.Height + F - 1) / F + 1;
        var rng = new Random(spec.Seed);
        double[] Octave(double sigma)
        {
            var a = new double[fw * fh];
            for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() - 0.5;
            return Blur(a, fw, fh, sigma);
        }
        var o1 = Octave(Math.Max(2, fw / 14.0));
        var o2 = Octave(Math.Max(1, fw / 45.0));
        Normalise(o1); Normalise(o2);
        var v = new double[fw * fh];
        for (int y = 0; y < fh; y++)
            for (int x = 0; x < fw; x++)
            {
                double ex = (x - fw / 2.0) / (fw * 0.48), ey = (y - fh / 2.0) / (fh * 0.48);
                double win = Math.Max(0, 1 - ex * ex - ey * ey);
                v[y * fw + x] = (o1[y * fw + x] + 0.35 * o2[y * fw + x] + 1.5) * Math.Sqrt(win);
            }
        var sorted = (double[])v.Clone();
        Array.Sort(sorted);
        double thr = sorted[(int)Math.Clamp((1 - spec.TissueFraction) * sorted.Length, 0, sorted.Length - 1)];
        // Steep ramp around the threshold: the field crosses 128 exactly on the tissue boundary.
        double spread = (sorted[^1] - sorted[0]) / 40;
        var field = new byte[fw * fh];
        for (int i = 0; i < v.Length; i++) field[i] = (byte)Math.Clamp(Math.Round(128 + (v[i] - thr) / spread * 127), 0, 255);
        return new SyntheticSlideTruth { FieldWidth = fw, FieldHeight = fh, Scale = F, Field = field, Width = spec.Width, Height = spec.Height };
    }

    private static void WritePixels(string path, SyntheticSlideSpec spec, byte[] field, int fw, int fh, int F)
    {

        using var fieldImg = Image.NewFromMemory(field, fw, fh, 1, Enums.BandFormat.Uchar);
        // Upsample ×F (bilinear over pixel centres, uchar), then a steep blend-weight LUT around 128 (all integer work).
        using var up = fieldImg.Resize(F, kernel: Enums.Kernel.Linear).Crop(0, 0, spec.Width, spec.Height);
        var ramp = new byte[256];
        for (int i = 0; i < 256; i++) ramp[i] = (byte)Math.Clamp(Math.Round((i - 128) * 255 / 24.0 + 127.5), 0, 255);
        using var lut = Image.NewFromMemory(ramp, 256, 1, 1, Enums.BandFormat.Uchar);
        using var weight = up.Maplut(lut);

        // Periodic textures, 512² computed once into memory and replicated (cheap at any slide size).
        const int T = 512;
        using var n1 = Image.Gaussnoise(T, T, mean: 0, sigma: 1, seed: spec.Seed * 7 + 1).Gaussblur(2.0);
        using var n2 = Image.Gaussnoise(T, T, mean: 0, sigma: 1, seed: spec.Seed * 7 + 2).Gaussblur(6.0);
        using var nuclei = n1 > 0.55; // sparse purple blobs
        using var stroma = n2 * 40 + new double[] { 232, 168, 204 }; // pink with low-frequency variation
        using var purple = Image.Black(T, T, 3).NewFromImage(92, 58, 138);
        using var texTile = nuclei.Ifthenelse(purple, stroma).Cast(Enums.BandFormat.Uchar).CopyMemory();
        using var glassNoise = Image.Gaussnoise(T, T, mean: 0, sigma: 1.2, seed: spec.Seed * 7 + 3);
        using var glassTile = (glassNoise.Bandjoin(glassNoise, glassNoise) + new double[] { 241, 241, 244 }).Cast(Enums.BandFormat.Uchar).CopyMemory();
        int rx = (spec.Width + T - 1) / T, ry = (spec.Height + T - 1) / T;
        using var tex = texTile.Replicate(rx, ry).Crop(0, 0, spec.Width, spec.Height);
        using var glass = glassTile.Replicate(rx, ry).Crop(0, 0, spec.Width, spec.Height);
        using var blended = weight.Ifthenelse(tex, glass, blend: true);
        using var rgb = blended.Copy(interpretation: Enums.Interpretation.Srgb);
        double pxPerMm = 1000.0 / spec.Mpp;
        string tmp = path + ".tmp.tif";
        rgb.Tiffsave(tmp, compression: Enums.ForeignTiffCompression.Jpeg, q: spec.JpegQuality, tile: true,
            tileWidth: spec.TileSize, tileHeight: spec.TileSize, pyramid: spec.Pyramid, bigtiff: spec.BigTiff,
            xres: pxPerMm, yres: pxPerMm, resunit: Enums.ForeignTiffResunit.Cm);
        File.Move(tmp, path, overwrite: true);
    }

    private static void Normalise(double[] a)
    {
        double m = a.Average(), s = Math.Sqrt(a.Select(x => (x - m) * (x - m)).Average());
        for (int i = 0; i < a.Length; i++) a[i] = (a[i] - m) / (s + 1e-12);
    }

    /// <summary>Gaussian blur approximated by three box passes per axis (edges clamped).</summary>
    private static double[] Blur(double[] a, int w, int h, double sigma)
    {
        int r = Math.Max(1, (int)Math.Round(Math.Sqrt(12 * sigma * sigma / 3 + 1) / 2));
        var cur = a;
        for (int pass = 0; pass < 3; pass++)
        {
            var tmp = new double[a.Length];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double s = 0;
                    for (int k = -r; k <= r; k++) s += cur[y * w + Math.Clamp(x + k, 0, w - 1)];
                    tmp[y * w + x] = s / (2 * r + 1);
                }
            var nxt = new double[a.Length];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double s = 0;
                    for (int k = -r; k <= r; k++) s += tmp[Math.Clamp(y + k, 0, h - 1) * w + x];
                    nxt[y * w + x] = s / (2 * r + 1);
                }
            cur = nxt;
        }
        return cur;
    }
}
