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
