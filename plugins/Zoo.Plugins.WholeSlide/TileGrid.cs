using System.Globalization;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Where tiles come from: one of <see cref="Mpp"/>, <see cref="Magnification"/>, <see cref="Level"/> (else level 0).</summary>
public sealed record GridOptions
{
    /// <summary>Target µm/px of the output tiles.</summary>
    public double? Mpp { get; init; }

    /// <summary>Target objective magnification (20 = 20×); converted to mpp with the slide's objective power and mpp.</summary>
    public double? Magnification { get; init; }

    /// <summary>Pyramid level to tile as is (CLAM's patch_level).</summary>
    public int? Level { get; init; }

    /// <summary>Output tile size in pixels (square).</summary>
    public int TileSize { get; init; } = 256;

    /// <summary>Overlap between neighbouring tiles in output pixels (stride = tile size − overlap).</summary>
    public int Overlap { get; init; }

    /// <summary>Include edge tiles that extend past the slide, padded white (CLAM use_padding=True).</summary>
    public bool Padding { get; init; } = true;
}

/// <summary>Top-left of a tile in level-0 pixels, with its grid cell.</summary>
public readonly record struct TileCoord(int Col, int Row, long X, long Y);

/// <summary>
/// A tile grid in level-0 coordinates (the convention of CLAM's <c>coords</c>): output tiles of <see cref="TileSize"/> px at
/// <see cref="Downsample"/> level-0 px per output px, read from pyramid <see cref="Level"/> (the coarsest level not coarser than
/// the target) as <see cref="SourceSize"/> level px and resized when <see cref="Resize"/> is true.
/// </summary>
public sealed record TileGrid
{
    public required int Level { get; init; }
    public required double LevelDownsample { get; init; }
    public required double Downsample { get; init; }
    public required double? Mpp { get; init; }
    public required int TileSize { get; init; }
    public required int Overlap { get; init; }
    public required int SourceSize { get; init; }
    public required long Level0Width { get; init; }
    public required long Level0Height { get; init; }
    public required int Columns { get; init; }
    public required int Rows { get; init; }
    public required bool Padding { get; init; }

    /// <summary>Level-0 distance between tile origins.</summary>
    public double Stride0 => (TileSize - Overlap) * Downsample;

    /// <summary>Level-0 extent of a tile.</summary>
    public double Extent0 => TileSize * Downsample;

    public bool Resize => SourceSize != TileSize;
    public long Count => (long)Columns * Rows;

    public TileCoord At(int col, int row) => new(col, row, (long)Math.Round(col * Stride0), (long)Math.Round(row * Stride0));

    /// <summary>Top-left of a tile in the source level's pixels.</summary>
    public (long X, long Y) LevelOrigin(TileCoord t) => ((long)Math.Round(t.X / LevelDownsample), (long)Math.Round(t.Y / LevelDownsample));

    public IEnumerable<TileCoord> All()
    {
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
                yield return At(c, r);
    }

    /// <summary>Plans the grid for a slide. Throws with the file name when the request cannot be met.</summary>
    public static TileGrid Plan(ISlideReader slide, GridOptions o)
    {
        if (o.TileSize < 8 || o.TileSize > 16384) throw new ArgumentOutOfRangeException(nameof(o), $"tile size {o.TileSize} must be in [8, 16384]");
        if (o.Overlap < 0 || o.Overlap >= o.TileSize) throw new ArgumentOutOfRangeException(nameof(o), $"overlap {o.Overlap} must be in [0, tile size)");
        int given = (o.Mpp is null ? 0 : 1) + (o.Magnification is null ? 0 : 1) + (o.Level is null ? 0 : 1);
        if (given > 1) throw new ArgumentException("give only one of mpp, magnification and level");
        var levels = slide.Levels;
        double? mpp0 = slide.Mpp.Value;
        string Rejected() => slide.Mpp.Rejected.Count == 0 ? "no resolution metadata" : "rejected: " + string.Join("; ", slide.Mpp.Rejected);
        double d;
        if (o.Level is { } lvl)
        {
            if ((uint)lvl >= (uint)levels.Count)
                throw new SlideReadException(slide.Path, $"level {lvl} does not exist (the slide has levels 0..{levels.Count - 1})");
            d = levels[lvl].Downsample;
        }
        else if (o.Mpp is { } m)
        {
            if (m <= 0) throw new ArgumentOutOfRangeException(nameof(o), "mpp must be positive");
            if (mpp0 is null)
                throw new SlideReadException(slide.Path,
                    $"cannot tile at {m} µm/px: the slide's microns per pixel are unknown ({Rejected()}); pass --mpp-override or tile by --level");
            d = m / mpp0.Value;
        }
        else if (o.Magnification is { } mag)
        {
            if (mpp0 is not null) d = MicronsPerPixel.MppForMagnification(mag, mpp0, slide.ObjectivePower) / mpp0.Value;
            else if (slide.ObjectivePower is { } p) d = p / mag;
            else
                throw new SlideReadException(slide.Path,
                    $"cannot tile at {mag}×: neither mpp ({Rejected()}) nor objective power is known; pass --mpp-override");
        }
        else d = 1;

        // Snap to a pyramid level within 2% (a 0.2527 µm/px scan asked for 0.25 is level 0, not an upsample).
        foreach (var l in levels)
            if (Math.Abs(d / l.Downsample - 1) < 0.02) { d = l.Downsample; break; }
        if (d < 1) throw new SlideReadException(slide.Path,
            $"requested resolution ({(mpp0 is null ? "" : (d * mpp0.Value).ToString("G4", CultureInfo.InvariantCulture) + " µm/px, ")}"
                + $"downsample {d:G4}) is finer than level 0; upsampling is refused");
        int level = 0;
        for (int i = 0; i < levels.Count; i++)
            if (levels[i].Downsample <= d * (1 + 1e-6)) level = i;
        double lds = levels[level].Downsample;
        int source = (int)Math.Round(o.TileSize * d / lds);
        long w0 = levels[0].Width, h0 = levels[0].Height;
        double stride0 = (o.TileSize - o.Overlap) * d, extent0 = o.TileSize * d;
        int Count(long n) => o.Padding
            ? (int)Math.Ceiling(n / stride0 - 1e-9)
            : n < extent0 - 1e-6 ? 0 : (int)Math.Floor((n - extent0) / stride0 + 1e-9) + 1;
        return new TileGrid
        {
            Level = level, LevelDownsample = lds, Downsample = d, Mpp = mpp0 * d, TileSize = o.TileSize, Overlap = o.Overlap,
            SourceSize = source, Level0Width = w0, Level0Height = h0, Columns = Count(w0), Rows = Count(h0), Padding = o.Padding,
        };
    }
}
