using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// The public tiler API: <c>WholeSlideTiler.Run(slide, outDir, options)</c> for one slide, <c>RunBatch</c> for a folder.
/// Memory stays bounded: the mask comes from a low-resolution rendering, and each worker reads only the region of one
/// kept tile. Output per slide (<c>OUT/&lt;name&gt;/</c>): <c>tiles/</c>, <c>coords.csv</c>, <c>&lt;name&gt;.h5</c>,
/// <c>mask.png</c>, <c>mask-plot.png</c>, <c>overlay.png</c>, <c>deepzoom/</c>, and <c>manifest.json</c> written
/// atomically last.
/// </summary>
public static partial class WholeSlideTiler
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
        var key = JsonSerializer.Serialize(new
        {
            o.Grid, o.Tissue, o.MinTissueFraction, o.Format, o.JpegQuality, o.MppOverride, o.DeepZoom, o.DeepZoomTileSize, o.DeepZoomOverlap,
        }, Json);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16].ToLowerInvariant();
    }

    /// <summary>Tiles one slide: tissue mask (step 1), grid and keep rule (step 2), tiles (step 3), outputs (step 4).</summary>
    public static SlideResult Run(string slidePath, string outRoot, TilerOptions? options = null,
        IProgress<TilerProgress>? progress = null, CancellationToken ct = default)
    {
        options ??= new TilerOptions();
        var sw = Stopwatch.StartNew();
        string name = SlideName(slidePath);
        string dir = Path.Combine(outRoot, name);
        string manifestPath = Path.Combine(dir, "manifest.json");
        string hash = OptionsHash(options);
        if (options.Resume && TryResume(manifestPath, hash, sw) is { } previous) return previous;

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

        var tiles = TileExtraction.Extract(slidePath, slide, grid, kept, dir, name, options, progress, sw, ct);
        double tTiles = sw.Elapsed.TotalSeconds;

        if (options.WriteCsv) ClamCoordinates.WriteCsv(Path.Combine(dir, "coords.csv"), tiles.Records);
        if (options.WriteH5) ClamCoordinates.WriteH5(Path.Combine(dir, name + ".h5"), name, grid, slide, tiles.Records, dir);
        if (options.WriteQcImages)
        {
            QcImages.WriteMaskPng(Path.Combine(dir, "mask.png"), mask);
            QcImages.WriteMaskPlot(Path.Combine(dir, "mask-plot.png"), name, mask);
            QcImages.WriteOverlayPng(Path.Combine(dir, "overlay.png"), thumb, mask, grid, kept.Select(k => k.T));
        }
        if (options.DeepZoom) DeepZoomWriter.Write(slide, grid, mask, Path.Combine(dir, "deepzoom"), name, options);

        var result = new SlideResult
        {
            Slide = Path.GetFullPath(slidePath), Name = name, Status = "complete", OutputDir = Path.GetFullPath(dir),
            Backend = slide.Backend, Vendor = slide.Vendor, Level0Width = slide.Levels[0].Width, Level0Height = slide.Levels[0].Height,
            LevelDownsamples = slide.Levels.Select(l => Math.Round(l.Downsample, 4)).ToArray(),
            Mpp = slide.Mpp.Value, MppSource = slide.Mpp.Source, MppRejected = slide.Mpp.Rejected, TileMpp = grid.Mpp,
            Level = grid.Level, Downsample = grid.Downsample, TileSize = grid.TileSize, SourceSize = grid.SourceSize, Overlap = grid.Overlap,
            GridTiles = grid.Count, KeptTiles = kept.Count, Written = tiles.Written, Passthrough = tiles.Passthrough, Resumed = tiles.Resumed,
            TissueThreshold = mask.Threshold, TissueFraction = Math.Round(mask.TissueFraction, 5),
            Seconds = Math.Round(sw.Elapsed.TotalSeconds, 3), OptionsHash = hash,
            PhaseSeconds = [Math.Round(tMask, 3), Math.Round(tTiles - tMask, 3), Math.Round(sw.Elapsed.TotalSeconds - tTiles, 3)],
        };
        AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(result, Json));
        return result;
    }

    /// <summary>Step 5, resume: a complete manifest written with the same options hash means the slide is done.</summary>
    private static SlideResult? TryResume(string manifestPath, string hash, Stopwatch sw)
    {
        if (!File.Exists(manifestPath)) return null;
        try
        {
            var prev = JsonSerializer.Deserialize<SlideResult>(File.ReadAllText(manifestPath), Json);
            if (prev is { Status: "complete" } && prev.OptionsHash == hash)
                return prev with { Status = "complete", Seconds = sw.Elapsed.TotalSeconds, Written = 0, Resumed = prev.KeptTiles };
        }
        catch (JsonException) { /* unreadable manifest: redo the slide */ }
        return null;
    }
}
