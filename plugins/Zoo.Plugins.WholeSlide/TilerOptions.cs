namespace Zoo.Plugins.WholeSlide;

public enum TileImageFormat { Jpeg, Png, None }

/// <summary>
/// Everything a tiling run needs. Defaults: level 0, 256 px, no overlap, keep tiles with ≥ 10 % tissue, JPEG Q85,
/// CSV + HDF5.
/// </summary>
public sealed record TilerOptions
{
    public GridOptions Grid { get; init; } = new();
    public TissueOptions Tissue { get; init; } = new();

    /// <summary>Keep tiles whose tissue fraction is at least this (0 keeps every tile: no tissue filter).</summary>
    public double MinTissueFraction { get; init; } = 0.1;

    public TileImageFormat Format { get; init; } = TileImageFormat.Jpeg;
    public int JpegQuality { get; init; } = 85;
    public bool WriteCsv { get; init; } = true;
    public bool WriteH5 { get; init; } = true;
    public bool WriteQcImages { get; init; } = true;

    /// <summary>Also write a DeepZoom pyramid (libvips dzsave) of the tiled level; background outside the mask is skipped.</summary>
    public bool DeepZoom { get; init; }
    public int DeepZoomTileSize { get; init; } = 254;
    public int DeepZoomOverlap { get; init; } = 1;

    /// <summary>Copy compressed JPEG tiles from the file when grid and file tiles coincide (no decode, no re-encode).</summary>
    public bool Passthrough { get; init; } = true;

    /// <summary>Parallel tile workers (default: all cores).</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Level-0 µm/px that wins over the file's metadata.</summary>
    public double? MppOverride { get; init; }

    /// <summary>Skip slides whose manifest says complete with the same options, and tiles already on disk.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Force the OpenSlide backend (needs libopenslide0).</summary>
    public bool UseOpenSlide { get; init; }
}

/// <summary>Progress of one slide.</summary>
public sealed record TilerProgress(string Slide, long Done, long Total, long Written, long Resumed, TimeSpan Elapsed)
{
    public double TilesPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;
    public TimeSpan? Eta => Done > 0 && Total > Done ? TimeSpan.FromSeconds((Total - Done) / Math.Max(1e-9, TilesPerSecond)) : null;
}

/// <summary>Result of one slide (also the manifest content).</summary>
public sealed record SlideResult
{
    public required string Slide { get; init; }
    public required string Name { get; init; }
    public required string Status { get; init; }
    public string? Error { get; init; }
    public string? OutputDir { get; init; }
    public string? Backend { get; init; }
    public string? Vendor { get; init; }
    public long Level0Width { get; init; }
    public long Level0Height { get; init; }
    public double[]? LevelDownsamples { get; init; }
    public double? Mpp { get; init; }
    public string? MppSource { get; init; }
    public IReadOnlyList<string>? MppRejected { get; init; }
    public double? TileMpp { get; init; }
    public int Level { get; init; }
    public double Downsample { get; init; }
    public int TileSize { get; init; }
    public int SourceSize { get; init; }
    public int Overlap { get; init; }
    public long GridTiles { get; init; }
    public long KeptTiles { get; init; }
    public long Written { get; init; }
    public long Passthrough { get; init; }
    public long Resumed { get; init; }
    public int TissueThreshold { get; init; }
    public double TissueFraction { get; init; }
    public double Seconds { get; init; }

    /// <summary>Phase times: open + tissue mask, tiles, coordinate/QC outputs.</summary>
    public double[]? PhaseSeconds { get; init; }
    public string? OptionsHash { get; init; }
}
