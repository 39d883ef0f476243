using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>A slide that cannot be opened or read; the message always names the file.</summary>
public class SlideReadException : Exception
{
    public SlideReadException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        SlidePath = path;
        Problem = problem;
    }

    public string SlidePath { get; }
    public string Problem { get; }
}

/// <summary>The slide needs a native library that is not installed (OpenSlide); the message names the Debian package.</summary>
public sealed class SlideBackendMissingException(string path, string problem, Exception? inner = null)
    : SlideReadException(path, problem, inner);

/// <summary>One pyramid level: size in pixels and downsample relative to level 0.</summary>
public sealed record SlideLevel(int Index, long Width, long Height, double Downsample);

/// <summary>
/// Reader over one slide. Every backend (NetVips tiffload, plain images, OpenSlide) returns regions as
/// 3-band uchar sRGB NetVips images (lazy for NetVips, so only the tiles a region touches are decoded).
/// Regions may extend past the level bounds; the outside is padded with white (CLAM's use_padding).
/// </summary>
public interface ISlideReader : IDisposable
{
    string Path { get; }

    /// <summary>"netvips:tiffload", "netvips:jpegload", "openslide", ...</summary>
    string Backend { get; }

    /// <summary>Vendor/format as detected ("aperio", "ome-tiff", "generic-tiff", "image", OpenSlide's vendor...).</summary>
    string Vendor { get; }

    IReadOnlyList<SlideLevel> Levels { get; }

    /// <summary>Microns per pixel at level 0, with where it came from (see <see cref="MicronsPerPixel"/>).</summary>
    MppInfo Mpp { get; }

    /// <summary>Scanner objective power (e.g. 20, 40) when the file says it.</summary>
    double? ObjectivePower { get; }

    IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>Region at <paramref name="level"/> in that level's pixel coordinates, padded white outside.</summary>
    Image ReadRegion(int level, long x, long y, int width, int height);

    /// <summary>Whole level as a lazy (streaming) image, for thumbnails and DeepZoom. Never materialised by the tiler.</summary>
    Image LevelImage(int level);

    /// <summary>Compressed JPEG tiles that can be copied without decoding, when the file allows it (else null).</summary>
    TiffJpegTiles? JpegTiles(int level);
}

/// <summary>Opens slides with the right backend and clear errors.</summary>
public static class SlideReader
{
    /// <summary>Extensions of vendor formats only OpenSlide reads (libvips' tiffload in NetVips.Native cannot).</summary>
    public static readonly string[] OpenSlideOnlyExtensions = [".ndpi", ".mrxs", ".scn", ".bif", ".vms", ".vmu", ".svslide", ".dcm", ".tiff-philips"];

    /// <summary>Extensions that batch mode treats as slides.</summary>
    public static readonly string[] SlideExtensions =
    [
        ".svs", ".tif", ".tiff", ".ptif", ".btf", ".ndpi", ".mrxs", ".scn", ".bif", ".vms", ".vmu", ".svslide", ".dcm", ".jpg", ".jpeg", ".png",
    ];

    static SlideReader() => VipsSetup.Init();

    /// <summary>Opens <paramref name="path"/>. <paramref name="mppOverride"/> (µm/px at level 0) wins over the file's metadata.</summary>
    public static ISlideReader Open(string path, double? mppOverride = null, bool preferOpenSlide = false)
    {
        if (!File.Exists(path)) throw new SlideReadException(path, "file not found");
        var ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (preferOpenSlide || OpenSlideOnlyExtensions.Contains(ext))
            return OpenSlideReader.Open(path, mppOverride, $"{ext} is a vendor format that NetVips.Native cannot read");
        if (new FileInfo(path).Length == 0) throw new SlideReadException(path, "file is empty");
        if (TiffStructure.LooksLikeTiff(path))
        {
            var tiff = TiffStructure.Read(path);
            if (tiff.Directories[0].IsJpeg2000)
                return OpenSlideReader.Open(path, mppOverride,
                    $"level 0 is JPEG 2000 compressed (TIFF compression {tiff.Directories[0].Compression}); NetVips.Native has no JPEG 2000 decoder");
            return VipsSlideReader.OpenTiff(path, tiff, mppOverride);
        }
        return VipsSlideReader.OpenPlain(path, mppOverride);
    }
}

internal static partial class VipsSetup
{
    private static int _done;

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);

    /// <summary>
    /// glibc gives each thread that mallocs its own arena; libvips' short-lived worker threads then fragment memory
    /// (measured: 650-740 MB peak RSS decoding 5.3k tiles, 190 MB with MALLOC_ARENA_MAX=2). Cap arenas like MALLOC_ARENA_MAX=2.
    /// </summary>
    private static void LimitMallocArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return;
        // A fixed mmap threshold also stops glibc raising it dynamically, so 196 KB tile buffers are returned to the OS.
        try { Mallopt(-8 /* M_ARENA_MAX */, 2); Mallopt(-3 /* M_MMAP_THRESHOLD */, 128 * 1024); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* not glibc */ }
    }

    public static void Init()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        LimitMallocArenas();
        try
        {
            // Operations are cached by libvips; keep the cache small so memory stays bounded while streaming.
            Cache.Max = int.TryParse(Environment.GetEnvironmentVariable("ZOO_VIPS_CACHE_MAX"), out var cm) ? cm : 100;
            Cache.MaxMem = 64 * 1024 * 1024;
            Cache.MaxFiles = 20;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException(
                "libvips could not be loaded: the NetVips.Native.linux-x64 package's libvips.so.42 is missing next to the plugin", e);
        }
    }

    /// <summary>White padding to <paramref name="width"/>×<paramref name="height"/> around the in-bounds part of a region.</summary>
    public static Image CropPadded(Image level, long x, long y, int width, int height)
    {
        long x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        long x1 = Math.Min(level.Width, x + width), y1 = Math.Min(level.Height, y + height);
        if (x0 == x && y0 == y && x1 == x + width && y1 == y + height)
            return level.Crop((int)x, (int)y, width, height);
        if (x1 <= x0 || y1 <= y0)
            return Image.Black(width, height, 3).NewFromImage(255, 255, 255).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        using var inner = level.Crop((int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0));
        return inner.Embed((int)(x0 - x), (int)(y0 - y), width, height, Enums.Extend.Background, [255, 255, 255]);
    }

    /// <summary>Normalises any loaded image to 3-band uchar sRGB (drops alpha over white, expands grey).</summary>
    public static Image ToRgb8(Image img)
    {
        var x = img;
        if (x.HasAlpha()) x = x.Flatten([255, 255, 255]);
        if (x.Interpretation is not (Enums.Interpretation.Srgb or Enums.Interpretation.Rgb or Enums.Interpretation.Bw or Enums.Interpretation.Multiband))
            x = x.Colourspace(Enums.Interpretation.Srgb);
        if (x.Bands == 1) x = x.Bandjoin(x, x);
        else if (x.Bands > 3) x = x.ExtractBand(0, 3);
        if (x.Format != Enums.BandFormat.Uchar) x = x.Cast(Enums.BandFormat.Uchar);
        return x;
    }
}
