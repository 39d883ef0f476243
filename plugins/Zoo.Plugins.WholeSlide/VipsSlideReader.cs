using System.Collections.Concurrent;
using System.Globalization;
using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// NetVips backend: pyramidal TIFF (tiled, any compression libvips decodes, BigTIFF), Aperio SVS with JPEG tiles,
/// OME-TIFF (pyramid in SubIFDs or in the page chain) and plain images (one level).
/// Levels come from the TIFF structure: tiled directories with decreasing size and the level-0 aspect ratio;
/// Aperio thumbnail/label/macro (striped) and OME planes of full size are skipped.
/// </summary>
public sealed class VipsSlideReader : ISlideReader
{
    private readonly Func<int, Image> _loadLevel;
    private readonly ConcurrentDictionary<int, Lazy<Image>> _levelImages = new();
    private readonly TiffStructure? _tiff;
    private readonly TiffDirectory[] _levelDirs;

    private VipsSlideReader(string path, string backend, string vendor, IReadOnlyList<SlideLevel> levels, MppInfo mpp,
        double? power, IReadOnlyDictionary<string, string> props, Func<int, Image> loadLevel, TiffStructure? tiff, TiffDirectory[] levelDirs)
    {
        Path = path; Backend = backend; Vendor = vendor; Levels = levels; Mpp = mpp; ObjectivePower = power;
        Properties = props; _loadLevel = loadLevel; _tiff = tiff; _levelDirs = levelDirs;
    }

    public string Path { get; }
    public string Backend { get; }
    public string Vendor { get; }
    public IReadOnlyList<SlideLevel> Levels { get; }
    public MppInfo Mpp { get; }
    public double? ObjectivePower { get; }
    public IReadOnlyDictionary<string, string> Properties { get; }

    internal static VipsSlideReader OpenTiff(string path, TiffStructure tiff, double? mppOverride)
    {
        var d0 = tiff.Directories[0];
        // Pyramid: OME-TIFF style SubIFDs of the first page, else the page chain.
        var chain = new List<(TiffDirectory Dir, int Page, int SubIfd)> { (d0, 0, -1) };
        if (d0.SubIfds.Count > 0)
        {
            for (int k = 0; k < d0.SubIfds.Count; k++) chain.Add((d0.SubIfds[k], 0, k));
        }
        else
        {
            for (int i = 1; i < tiff.Directories.Count; i++) chain.Add((tiff.Directories[i], i, -1));
        }
        var levels = new List<(TiffDirectory Dir, int Page, int SubIfd)> { chain[0] };
        double aspect0 = (double)d0.Width / d0.Height;
        foreach (var c in chain.Skip(1))
        {
            var prev = levels[^1].Dir;
            bool pyramidal = c.Dir.IsTiled && c.Dir.SamplesPerPixel == d0.SamplesPerPixel && c.Dir.Width < prev.Width && c.Dir.Height < prev.Height
                && Math.Abs((double)c.Dir.Width / c.Dir.Height / aspect0 - 1) < 0.02 + 2.0 / Math.Min(c.Dir.Width, c.Dir.Height);
            if (pyramidal) levels.Add(c);
        }
        if (!d0.IsTiled && levels.Count == 1 && (long)d0.Width * d0.Height > 100_000_000)
        {
            // Striped giant TIFF: still readable (libvips streams strips), just slow for random tiles.
        }
        for (int i = 0; i < levels.Count; i++)
        {
            if (levels[i].Dir.IsJpeg2000)
                throw new SlideReadException(path,
                    $"level {i} is JPEG 2000 compressed; NetVips.Native has no JPEG 2000 decoder (open it with OpenSlide: install libopenslide0)");
            tiff.ValidateTiles(levels[i].Dir, $"level {i}");
        }

        string desc = d0.Description ?? "";
        string vendor = desc.StartsWith("Aperio", StringComparison.OrdinalIgnoreCase) ? "aperio"
            : desc.Contains("<OME", StringComparison.Ordinal) ? "ome-tiff" : "generic-tiff";
        var (resMpp, dpi) = MicronsPerPixel.FromTiffResolution(d0.XResolution, d0.ResolutionUnit);
        var mpp = MicronsPerPixel.Resolve([
            ("override", mppOverride, null),
            ("aperio-mpp", MicronsPerPixel.FromAperioDescription(desc), null),
            ("ome-physical-size-x", MicronsPerPixel.FromOmeXml(desc), null),
            ("tiff-resolution", resMpp, dpi),
        ]);
        var props = new Dictionary<string, string>
        {
            ["tiff.ImageDescription"] = desc.Length > 4096 ? desc[..4096] : desc,
            ["tiff.Compression"] = d0.Compression.ToString(CultureInfo.InvariantCulture),
            ["tiff.BigTIFF"] = tiff.BigTiff ? "true" : "false",
        };
        if (d0.XResolution is { } xr) props["tiff.XResolution"] = xr.ToString("R", CultureInfo.InvariantCulture);
        props["tiff.ResolutionUnit"] = d0.ResolutionUnit switch { 2 => "inch", 3 => "centimeter", _ => "none" };
        if (d0.IsTiled) props["tiff.TileWidth"] = d0.TileWidth.ToString(CultureInfo.InvariantCulture);

        var slideLevels = levels.Select((l, i) => new SlideLevel(i, l.Dir.Width, l.Dir.Height,
            0.5 * ((double)d0.Width / l.Dir.Width + (double)d0.Height / l.Dir.Height))).ToList();
        var lv = levels.ToArray();
        Image Load(int i)
        {
            try
            {
                var img = lv[i].SubIfd >= 0
                    ? Image.Tiffload(path, page: lv[i].Page, subifd: lv[i].SubIfd, access: Enums.Access.Random, failOn: Enums.FailOn.Error)
                    : Image.Tiffload(path, page: lv[i].Page, access: Enums.Access.Random, failOn: Enums.FailOn.Error);
                if (img.Width != lv[i].Dir.Width || img.Height != lv[i].Dir.Height)
                    throw new SlideReadException(path,
                        $"level {i}: libvips reports {img.Width}x{img.Height}, the TIFF directory {lv[i].Dir.Width}x{lv[i].Dir.Height}");
                return VipsSetup.ToRgb8(img);
            }
            catch (VipsException e)
            {
                throw new SlideReadException(path, $"libvips cannot read level {i}: {FirstLine(e.Message)}", e);
            }
        }
        var reader = new VipsSlideReader(path, "netvips:tiffload", vendor, slideLevels, mpp,
            MicronsPerPixel.AperioMagnification(desc), props, Load, tiff, lv.Select(l => l.Dir).ToArray());
        reader.LevelImage(0); // fail at open, not mid-run, when libvips cannot decode the header
        return reader;
    }

    internal static VipsSlideReader OpenPlain(string path, double? mppOverride)
    {
        string? loader;
        try { loader = Image.FindLoad(path); }
        catch (VipsException) { loader = null; }
        if (loader is null)
            throw new SlideReadException(path, "not a slide or image that libvips recognises (unknown or corrupt format; "
                + "vendor formats such as NDPI/MRXS need OpenSlide: install libopenslide0)");
        Image first;
        try { first = Image.NewFromFile(path, access: Enums.Access.Random, failOn: Enums.FailOn.Error); }
        catch (VipsException e) { throw new SlideReadException(path, $"libvips cannot read it: {FirstLine(e.Message)}", e); }
        double xres = first.Xres; // pixels per mm
        double? dpi = xres > 0 ? xres * 25.4 : null;
        var mpp = MicronsPerPixel.Resolve([("override", mppOverride, null), ("image-resolution", xres > 0 ? 1000.0 / xres : null, dpi)]);
        var levels = new[] { new SlideLevel(0, first.Width, first.Height, 1.0) };
        var rgb = VipsSetup.ToRgb8(first);
        var props = new Dictionary<string, string> { ["vips.loader"] = loader };
        return new VipsSlideReader(path, "netvips:" + loader.Replace("VipsForeignLoad", "", StringComparison.Ordinal).ToLowerInvariant(),
            "image", levels, mpp, null, props, _ => rgb, null, []);
    }

    internal static string FirstLine(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? s;

    public Image LevelImage(int level)
    {
        if ((uint)level >= (uint)Levels.Count)
            throw new ArgumentOutOfRangeException(nameof(level), $"{Path}: level {level} does not exist (levels 0..{Levels.Count - 1})");
        return _levelImages.GetOrAdd(level, l => new Lazy<Image>(() => _loadLevel(l))).Value;
    }

    public Image ReadRegion(int level, long x, long y, int width, int height) => VipsSetup.CropPadded(LevelImage(level), x, y, width, height);

    public TiffJpegTiles? JpegTiles(int level)
    {
        if (_tiff is null || (uint)level >= (uint)_levelDirs.Length) return null;
        var d = _levelDirs[level];
        if (!d.IsTiled || !d.IsJpeg || d.SamplesPerPixel != 3 || d.BitsPerSample != 8 || d.PlanarConfig != 1) return null;
        return new TiffJpegTiles(Path, d);
    }

    public void Dispose()
    {
        foreach (var l in _levelImages.Values)
            if (l.IsValueCreated) l.Value.Dispose();
        _levelImages.Clear();
    }
}
