using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NetVips;
using Zoo.Core;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.WholeSlide;

public enum TileImageFormat { Jpeg, Png, None }

/// <summary>Everything a tiling run needs. Defaults: level 0, 256 px, no overlap, keep tiles with ≥ 10 % tissue, JPEG Q85, CSV + HDF5.</summary>
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

/// <summary>
/// The public tiler API: <c>WholeSlideTiler.Run(slide, outDir, options)</c> for one slide, <c>RunBatch</c> for a folder.
/// Memory stays bounded: the mask comes from a low-resolution rendering, and each worker reads only the region of one kept tile.
/// Output per slide (<c>OUT/&lt;name&gt;/</c>): <c>tiles/</c>, <c>coords.csv</c>, <c>&lt;name&gt;.h5</c>, <c>mask.png</c>,
/// <c>overlay.png</c>, <c>deepzoom/</c>, and <c>manifest.json</c> written atomically last.
/// </summary>
public static class WholeSlideTiler
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Slide name used for folders and file names ("a.ome.tif" → "a").</summary>
    public static string SlideName(string path)
    {
        var n = Path.GetFileName(path);
        foreach (var ext in new[] { ".ome.tiff", ".ome.tif" })
            if (n.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return n[..^ext.Length];
        return Path.GetFileNameWithoutExtension(n);
    }

    /// <summary>Hash of the options that change outputs (a complete manifest with another hash is redone).</summary>
    public static string OptionsHash(TilerOptions o)
    {
        var key = JsonSerializer.Serialize(new { o.Grid, o.Tissue, o.MinTissueFraction, o.Format, o.JpegQuality, o.MppOverride, o.DeepZoom, o.DeepZoomTileSize, o.DeepZoomOverlap }, Json);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
    }

    public static SlideResult Run(string slidePath, string outRoot, TilerOptions? options = null, IProgress<TilerProgress>? progress = null, CancellationToken ct = default)
    {
        options ??= new TilerOptions();
        var sw = Stopwatch.StartNew();
        string name = SlideName(slidePath);
        string dir = Path.Combine(outRoot, name);
        string manifestPath = Path.Combine(dir, "manifest.json");
        string hash = OptionsHash(options);
        if (options.Resume && File.Exists(manifestPath))
        {
            try
            {
                var prev = JsonSerializer.Deserialize<SlideResult>(File.ReadAllText(manifestPath), Json);
                if (prev is { Status: "complete" } && prev.OptionsHash == hash)
                    return prev with { Status = "complete", Seconds = sw.Elapsed.TotalSeconds, Written = 0, Resumed = prev.KeptTiles };
            }
            catch (JsonException) { /* unreadable manifest: redo the slide */ }
        }
        using var slide = SlideReader.Open(slidePath, options.MppOverride, options.UseOpenSlide);
        var grid = TileGrid.Plan(slide, options.Grid);
        Directory.CreateDirectory(dir); // only once the slide opened: a failed slide leaves no output folder
        if (File.Exists(manifestPath)) File.Delete(manifestPath); // the manifest only ever describes a finished run
        var (mask, thumb) = TissueDetector.Detect(slide, options.Tissue);
        double tMask = sw.Elapsed.TotalSeconds;

        // Keep rule: tissue fraction of the tile's level-0 footprint ≥ threshold (histolab/TIAToolbox min_mask_ratio).
        var kept = new List<(TileCoord T, double F)>();
        foreach (var t in grid.All())
        {
            double f = mask.Fraction(t.X, t.Y, grid.Extent0, grid.Extent0);
            if (options.MinTissueFraction <= 0 || f >= options.MinTissueFraction) kept.Add((t, f));
        }

        string tilesDir = Path.Combine(dir, "tiles");
        string ext = options.Format switch { TileImageFormat.Png => ".png", _ => ".jpg" };
        var records = new TileRecord[kept.Count];
        long written = 0, resumed = 0, passthrough = 0, done = 0;
        if (options.Format != TileImageFormat.None)
        {
            Directory.CreateDirectory(tilesDir);
            foreach (var tmp in Directory.EnumerateFiles(tilesDir, "*.tmp")) File.Delete(tmp);
        }
        // Grid cells that coincide with the file's JPEG tiles: copied as is (passthrough), or, when re-encoding is wanted
        // (PNG, --no-passthrough), decoded straight from the compressed tile instead of through the TIFF region pipeline.
        var jpegTiles = options.Format != TileImageFormat.None && !grid.Resize && grid.Overlap == 0 ? slide.JpegTiles(grid.Level) : null;
        if (jpegTiles is not null && (jpegTiles.TileWidth != grid.TileSize || jpegTiles.TileHeight != grid.TileSize)) jpegTiles = null;
        bool copyTiles = options.Passthrough && options.Format == TileImageFormat.Jpeg;
        using var handle = jpegTiles?.OpenHandle();

        int workers = Math.Max(1, options.Workers);
        int oldConcurrency = NetVips.NetVips.Concurrency;
        if (workers > 1) NetVips.NetVips.Concurrency = 1; // parallelism comes from our workers, one libvips thread each
        var last = Stopwatch.StartNew();
        try
        {
            Parallel.ForEach(Partitioner.Create(0, kept.Count, Math.Max(1, Math.Min(64, kept.Count / (workers * 8) + 1))),
                new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct },
                range =>
                {
                    for (int i = range.Item1; i < range.Item2; i++)
                    {
                        var (t, f) = kept[i];
                        var (lx, ly) = grid.LevelOrigin(t);
                        string file = options.Format == TileImageFormat.None ? "" : $"{name}_x{t.X}_y{t.Y}{ext}";
                        records[i] = new TileRecord(t.Col, t.Row, t.X, t.Y, grid.Level, lx, ly, grid.SourceSize, grid.TileSize, f,
                            file.Length == 0 ? "" : "tiles/" + file);
                        if (file.Length > 0)
                        {
                            string final = Path.Combine(tilesDir, file);
                            if (options.Resume && File.Exists(final)) Interlocked.Increment(ref resumed);
                            else
                            {
                                bool copied = false;
                                byte[] bytes;
                                if (handle is not null && lx % grid.TileSize == 0 && ly % grid.TileSize == 0
                                    && lx + grid.TileSize <= jpegTiles!.Width && ly + grid.TileSize <= jpegTiles.Height)
                                {
                                    bytes = jpegTiles.Read(handle, (int)(lx / grid.TileSize), (int)(ly / grid.TileSize));
                                    if (copyTiles) copied = true;
                                    else bytes = Reencode(slide.Path, bytes, grid, lx, ly, options);
                                }
                                else bytes = RenderTile(slide, grid, lx, ly, options);
                                string tmp = final + $".{Environment.CurrentManagedThreadId}.tmp";
                                File.WriteAllBytes(tmp, bytes);
                                File.Move(tmp, final, overwrite: true);
                                Interlocked.Increment(ref written);
                                if (copied) Interlocked.Increment(ref passthrough);
                            }
                        }
                        long d = Interlocked.Increment(ref done);
                        if (progress is not null && (d == kept.Count || last.ElapsedMilliseconds > 200))
                        {
                            lock (last)
                            {
                                if (d == kept.Count || last.ElapsedMilliseconds > 200)
                                {
                                    last.Restart();
                                    progress.Report(new TilerProgress(slidePath, d, kept.Count, Interlocked.Read(ref written), Interlocked.Read(ref resumed), sw.Elapsed));
                                }
                            }
                        }
                    }
                });
        }
        catch (AggregateException ae) when (ae.InnerExceptions.Count > 0)
        {
            var first = ae.InnerExceptions[0];
            if (first is SlideReadException) throw first;
            throw new SlideReadException(slidePath, first.Message, first);
        }
        finally
        {
            if (workers > 1) NetVips.NetVips.Concurrency = oldConcurrency;
        }
        if (kept.Count == 0) progress?.Report(new TilerProgress(slidePath, 0, 0, 0, 0, sw.Elapsed));
        double tTiles = sw.Elapsed.TotalSeconds;

        if (options.WriteCsv) ClamCoordinates.WriteCsv(Path.Combine(dir, "coords.csv"), records);
        if (options.WriteH5) ClamCoordinates.WriteH5(Path.Combine(dir, name + ".h5"), name, grid, slide, records, dir);
        if (options.WriteQcImages)
        {
            QcImages.WriteMaskPng(Path.Combine(dir, "mask.png"), mask);
            QcImages.WriteOverlayPng(Path.Combine(dir, "overlay.png"), thumb, mask, grid, kept.Select(k => k.T));
        }
        if (options.DeepZoom) WriteDeepZoom(slide, grid, mask, Path.Combine(dir, "deepzoom"), name, options);

        var result = new SlideResult
        {
            Slide = Path.GetFullPath(slidePath), Name = name, Status = "complete", OutputDir = Path.GetFullPath(dir),
            Backend = slide.Backend, Vendor = slide.Vendor, Level0Width = slide.Levels[0].Width, Level0Height = slide.Levels[0].Height,
            LevelDownsamples = slide.Levels.Select(l => Math.Round(l.Downsample, 4)).ToArray(),
            Mpp = slide.Mpp.Value, MppSource = slide.Mpp.Source, MppRejected = slide.Mpp.Rejected, TileMpp = grid.Mpp,
            Level = grid.Level, Downsample = grid.Downsample, TileSize = grid.TileSize, SourceSize = grid.SourceSize, Overlap = grid.Overlap,
            GridTiles = grid.Count, KeptTiles = kept.Count, Written = written, Passthrough = passthrough, Resumed = resumed,
            TissueThreshold = mask.Threshold, TissueFraction = Math.Round(mask.TissueFraction, 5),
            Seconds = Math.Round(sw.Elapsed.TotalSeconds, 3), OptionsHash = hash,
            PhaseSeconds = [Math.Round(tMask, 3), Math.Round(tTiles - tMask, 3), Math.Round(sw.Elapsed.TotalSeconds - tTiles, 3)],
        };
        AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(result, Json));
        return result;
    }

    /// <summary>Reads one tile through libvips (decode → optional resize → encode).</summary>
    internal static byte[] RenderTile(ISlideReader slide, TileGrid grid, long lx, long ly, TilerOptions o)
    {
        try
        {
            using var region = slide.ReadRegion(grid.Level, lx, ly, grid.SourceSize, grid.SourceSize);
            using var sized = grid.Resize ? region.Resize((double)grid.TileSize / grid.SourceSize, kernel: Enums.Kernel.Lanczos3) : region;
            using var exact = sized.Width == grid.TileSize && sized.Height == grid.TileSize ? sized : VipsSetup.CropPadded(sized, 0, 0, grid.TileSize, grid.TileSize);
            return o.Format == TileImageFormat.Png
                ? exact.PngsaveBuffer(compression: 3)
                : exact.JpegsaveBuffer(q: o.JpegQuality, keep: Enums.ForeignKeep.None);
        }
        catch (VipsException e)
        {
            throw new SlideReadException(slide.Path, $"cannot read the tile at level {grid.Level} ({lx},{ly}): {VipsSlideReader.FirstLine(e.Message)} (corrupt or truncated file)", e);
        }
    }

    /// <summary>Decodes one compressed file tile and encodes it in the output format (no TIFF region pipeline).</summary>
    private static byte[] Reencode(string path, byte[] jpeg, TileGrid grid, long lx, long ly, TilerOptions o)
    {
        try
        {
            using var img = Image.JpegloadBuffer(jpeg, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            return o.Format == TileImageFormat.Png ? img.PngsaveBuffer(compression: 3) : img.JpegsaveBuffer(q: o.JpegQuality, keep: Enums.ForeignKeep.None);
        }
        catch (VipsException e)
        {
            throw new SlideReadException(path, $"cannot decode the tile at level {grid.Level} ({lx},{ly}): {VipsSlideReader.FirstLine(e.Message)} (corrupt or truncated file)", e);
        }
    }

    /// <summary>DeepZoom of the tiled level at the grid's resolution; pixels outside the tissue mask are set white and skipped.</summary>
    private static void WriteDeepZoom(ISlideReader slide, TileGrid grid, TissueMask mask, string dzDir, string name, TilerOptions o)
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

    /// <summary>Tiles every slide in <paramref name="folder"/>; one bad slide never stops the batch. Writes batch.json and batch.csv.</summary>
    public static IReadOnlyList<SlideResult> RunBatch(string folder, string outRoot, TilerOptions? options = null,
        IProgress<TilerProgress>? progress = null, Action<SlideResult>? onSlide = null, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: folder not found");
        var slides = Directory.EnumerateFiles(folder)
            .Where(p => SlideReader.SlideExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();
        var results = new List<SlideResult>();
        foreach (var s in slides)
        {
            ct.ThrowIfCancellationRequested();
            SlideResult r;
            var sw = Stopwatch.StartNew();
            try { r = Run(s, outRoot, options, progress, ct); }
            catch (Exception e) when (e is SlideReadException or IOException or InvalidOperationException or ArgumentException or VipsException or UnauthorizedAccessException)
            {
                r = new SlideResult { Slide = Path.GetFullPath(s), Name = SlideName(s), Status = "failed", Error = e.Message, Seconds = Math.Round(sw.Elapsed.TotalSeconds, 3) };
            }
            results.Add(r);
            onSlide?.Invoke(r);
        }
        Directory.CreateDirectory(outRoot);
        AtomicFile.WriteAllText(Path.Combine(outRoot, "batch.json"), JsonSerializer.Serialize(results, Json));
        var sb = new StringBuilder("slide,status,kept_tiles,written,resumed,seconds,error\n");
        foreach (var r in results)
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(r.Slide)},{r.Status},{r.KeptTiles},{r.Written},{r.Resumed},{r.Seconds},{Csv(r.Error ?? "")}\n");
        AtomicFile.WriteAllText(Path.Combine(outRoot, "batch.csv"), sb.ToString());
        return results;
    }

    private static string Csv(string s) => s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
