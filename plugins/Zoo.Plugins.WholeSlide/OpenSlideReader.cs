using System.Globalization;
using System.Runtime.InteropServices;
using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// OpenSlide backend (vendor formats: NDPI, MRXS, SCN, BIF, Philips, JPEG 2000 SVS, DICOM...) through the C API of the
/// system library (Debian: libopenslide0). Loaded at run time; when absent, opening throws
/// <see cref="SlideBackendMissingException"/> naming the package.
/// </summary>
public sealed unsafe class OpenSlideReader : ISlideReader
{
    /// <summary>Library names tried in order (OpenSlide 3.4 on Debian 12, OpenSlide 4.x).</summary>
    internal static string[] LibraryNames = ["libopenslide.so.0", "libopenslide.so.1", "libopenslide.so", "libopenslide-1.dll", "libopenslide.dylib"];

    private static readonly Lazy<Api?> ApiLoaded = new(LoadApi);
    private readonly Api _api;
    private IntPtr _osr;
    private readonly ReaderWriterLockSlim _closeLock = new();

    private sealed class Api
    {
        public required delegate* unmanaged<byte*, IntPtr> Open;
        public required delegate* unmanaged<IntPtr, void> Close;
        public required delegate* unmanaged<IntPtr, byte*> GetError;
        public required delegate* unmanaged<IntPtr, int> LevelCount;
        public required delegate* unmanaged<IntPtr, int, long*, long*, void> LevelDimensions;
        public required delegate* unmanaged<IntPtr, int, double> LevelDownsample;
        public required delegate* unmanaged<IntPtr, uint*, long, long, int, long, long, void> ReadRegion;
        public required delegate* unmanaged<IntPtr, byte**> PropertyNames;
        public required delegate* unmanaged<IntPtr, byte*, byte*> PropertyValue;
        public required delegate* unmanaged<byte*, byte*> DetectVendor;
    }

    /// <summary>True when the OpenSlide library could be loaded.</summary>
    public static bool IsAvailable => ApiLoaded.Value is not null;

    private static Api? LoadApi()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var h)) continue;
            try
            {
                return new Api
                {
                    Open = (delegate* unmanaged<byte*, IntPtr>)NativeLibrary.GetExport(h, "openslide_open"),
                    Close = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(h, "openslide_close"),
                    GetError = (delegate* unmanaged<IntPtr, byte*>)NativeLibrary.GetExport(h, "openslide_get_error"),
                    LevelCount = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(h, "openslide_get_level_count"),
                    LevelDimensions = (delegate* unmanaged<IntPtr, int, long*, long*, void>)NativeLibrary.GetExport(h, "openslide_get_level_dimensions"),
                    LevelDownsample = (delegate* unmanaged<IntPtr, int, double>)NativeLibrary.GetExport(h, "openslide_get_level_downsample"),
                    ReadRegion = (delegate* unmanaged<IntPtr, uint*, long, long, int, long, long, void>)NativeLibrary.GetExport(h, "openslide_read_region"),
                    PropertyNames = (delegate* unmanaged<IntPtr, byte**>)NativeLibrary.GetExport(h, "openslide_get_property_names"),
                    PropertyValue = (delegate* unmanaged<IntPtr, byte*, byte*>)NativeLibrary.GetExport(h, "openslide_get_property_value"),
                    DetectVendor = (delegate* unmanaged<byte*, byte*>)NativeLibrary.GetExport(h, "openslide_detect_vendor"),
                };
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(h);
            }
        }
        return null;
    }

    private OpenSlideReader(Api api, IntPtr osr, string path)
    {
        _api = api;
        _osr = osr;
        Path = path;
        int n = api.LevelCount(osr);
        if (n <= 0) throw new SlideReadException(path, $"OpenSlide reports {n} levels: {Error() ?? "unreadable slide"}");
        var levels = new List<SlideLevel>();
        for (int i = 0; i < n; i++)
        {
            long w, h;
            api.LevelDimensions(osr, i, &w, &h);
            levels.Add(new SlideLevel(i, w, h, api.LevelDownsample(osr, i)));
        }
        Levels = levels;
        var props = new Dictionary<string, string>();
        byte** names = api.PropertyNames(osr);
        for (int i = 0; names != null && names[i] != null; i++)
        {
            var k = Marshal.PtrToStringUTF8((IntPtr)names[i])!;
            var v = api.PropertyValue(osr, names[i]);
            props[k] = v == null ? "" : Marshal.PtrToStringUTF8((IntPtr)v)!;
        }
        Properties = props;
        Vendor = props.GetValueOrDefault("openslide.vendor", "unknown");
        if (Error() is { } err) throw new SlideReadException(path, $"OpenSlide: {err}");
    }

    /// <summary>Opens with OpenSlide; <paramref name="why"/> explains, in the missing-library error, why OpenSlide is needed.</summary>
    public static OpenSlideReader Open(string path, double? mppOverride = null, string why = "requested")
    {
        var api = ApiLoaded.Value ?? throw new SlideBackendMissingException(path,
            $"needs OpenSlide ({why}), but libopenslide is not installed: install the Debian package libopenslide0 "
            + "(apt-get install libopenslide0), or convert the slide to a pyramidal TIFF");
        IntPtr osr;
        var utf8 = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = utf8) osr = api.Open(p);
        if (osr == IntPtr.Zero) throw new SlideReadException(path, "OpenSlide does not recognise this file (unsupported vendor format or not a slide)");
        try
        {
            var r = new OpenSlideReader(api, osr, path);
            r.Mpp = r.ResolveMpp(mppOverride);
            return r;
        }
        catch
        {
            api.Close(osr);
            throw;
        }
    }

    private MppInfo ResolveMpp(double? mppOverride)
    {
        double? P(string k) =>
            Properties.TryGetValue(k, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        string desc = Properties.GetValueOrDefault("tiff.ImageDescription", "");
        int unit = Properties.GetValueOrDefault("tiff.ResolutionUnit", "") switch { "centimeter" => 3, "inch" => 2, _ => 1 };
        var (resMpp, dpi) = MicronsPerPixel.FromTiffResolution(P("tiff.XResolution"), unit);
        return MicronsPerPixel.Resolve([
            ("override", mppOverride, null),
            ("openslide.mpp-x", P("openslide.mpp-x"), null),
            ("aperio-mpp", MicronsPerPixel.FromAperioDescription(desc), null),
            ("ome-physical-size-x", MicronsPerPixel.FromOmeXml(desc), null),
            ("tiff-resolution", resMpp, dpi),
        ]);
    }

    public string Path { get; }
    public string Backend => "openslide";
    public string Vendor { get; }
    public IReadOnlyList<SlideLevel> Levels { get; }
    public MppInfo Mpp { get; private set; } = MppInfo.Unknown([]);

    public double? ObjectivePower => Properties.TryGetValue("openslide.objective-power", out var v)
        && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    public IReadOnlyDictionary<string, string> Properties { get; }

    private string? Error()
    {
        var e = _api.GetError(_osr);
        return e == null ? null : Marshal.PtrToStringUTF8((IntPtr)e);
    }

    /// <summary>Reads premultiplied ARGB from OpenSlide (level-0 origin) and returns 3-band sRGB over white.</summary>
    public Image ReadRegion(int level, long x, long y, int width, int height)
    {
        if ((uint)level >= (uint)Levels.Count) throw new ArgumentOutOfRangeException(nameof(level), $"{Path}: level {level} does not exist");
        var argb = new uint[(long)width * height];
        double ds = Levels[level].Downsample;
        _closeLock.EnterReadLock(); // OpenSlide handles are thread-safe; the lock only keeps Dispose from closing mid-read
        try
        {
            if (_osr == IntPtr.Zero) throw new ObjectDisposedException(Path);
            fixed (uint* p = argb) _api.ReadRegion(_osr, p, (long)Math.Round(x * ds), (long)Math.Round(y * ds), level, width, height);
        }
        finally { _closeLock.ExitReadLock(); }
        if (Error() is { } err) throw new SlideReadException(Path, $"OpenSlide read failed at level {level} ({x},{y}) {width}x{height}: {err}");
        var rgb = new byte[(long)width * height * 3];
        for (long i = 0; i < argb.Length; i++)
        {
            uint px = argb[i];
            uint a = px >> 24;
            uint r = (px >> 16) & 0xFF, g = (px >> 8) & 0xFF, b = px & 0xFF;
            if (a == 0) { r = g = b = 255; }
            else if (a < 255)
            {
                // un-premultiply, then composite over white
                r = (uint)Math.Min(255, r * 255 / a); g = (uint)Math.Min(255, g * 255 / a); b = (uint)Math.Min(255, b * 255 / a);
                r = (r * a + 255 * (255 - a)) / 255; g = (g * a + 255 * (255 - a)) / 255; b = (b * a + 255 * (255 - a)) / 255;
            }
            rgb[i * 3] = (byte)r; rgb[i * 3 + 1] = (byte)g; rgb[i * 3 + 2] = (byte)b;
        }
        return Image.NewFromMemory(rgb, width, height, 3, Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
    }

    /// <summary>A whole level as one image: only for small (thumbnail) levels; larger requests are refused to keep memory bounded.</summary>
    public Image LevelImage(int level)
    {
        var l = Levels[level];
        if (l.Width * l.Height > 64L << 20)
            throw new InvalidOperationException(
                $"{Path}: level {level} ({l.Width}x{l.Height}) is too large to read whole through OpenSlide; use a smaller level");
        return ReadRegion(level, 0, 0, (int)l.Width, (int)l.Height);
    }

    public TiffJpegTiles? JpegTiles(int level) => null;

    public void Dispose()
    {
        _closeLock.EnterWriteLock();
        try
        {
            if (_osr != IntPtr.Zero) _api.Close(_osr);
            _osr = IntPtr.Zero;
        }
        finally { _closeLock.ExitWriteLock(); }
    }
}
