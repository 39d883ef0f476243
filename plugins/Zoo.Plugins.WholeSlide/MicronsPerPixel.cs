using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Microns per pixel at level 0 and the source it came from; <see cref="Rejected"/> lists candidates that failed the sanity check.</summary>
public sealed record MppInfo(double? Value, string Source, IReadOnlyList<string> Rejected)
{
    public static MppInfo Unknown(IReadOnlyList<string> rejected) => new(null, "unknown", rejected);
    public bool Known => Value is not null;
}

/// <summary>
/// The documented fallback chain for microns per pixel (first accepted wins):
/// 1. user override (<c>--mpp-override</c>); 2. OpenSlide <c>openslide.mpp-x</c>; 3. Aperio ImageDescription <c>MPP = x</c>;
/// 4. OME-XML <c>Pixels/@PhysicalSizeX</c> (+ <c>PhysicalSizeXUnit</c>, default µm); 5. TIFF XResolution + ResolutionUnit
/// (inch or centimetre; unit "none" is ignored). Every candidate is sanity-checked: a 72/96/300-dpi value is a screen/print
/// default, not a microscope resolution, and anything outside [0.01, 100] µm/px is rejected.
/// </summary>
public static class MicronsPerPixel
{
    public const double MinPlausible = 0.01, MaxPlausible = 100;

    /// <summary>A candidate (µm/px) with its source; returns the first accepted one.</summary>
    public static MppInfo Resolve(IEnumerable<(string Source, double? Mpp, double? Dpi)> candidates)
    {
        var rejected = new List<string>();
        foreach (var (source, mpp, dpi) in candidates)
        {
            if (mpp is null) continue;
            var why = Check(mpp.Value, dpi);
            if (why is null) return new MppInfo(mpp.Value, source, rejected);
            rejected.Add($"{source}={mpp.Value.ToString("G6", CultureInfo.InvariantCulture)} ({why})");
        }
        return MppInfo.Unknown(rejected);
    }

    /// <summary>Null when plausible, else the reason.</summary>
    public static string? Check(double mpp, double? dpi = null)
    {
        if (double.IsNaN(mpp) || double.IsInfinity(mpp) || mpp <= 0) return "not a positive number";
        if (dpi is { } d && (Math.Abs(d - 72) < 0.01 || Math.Abs(d - 96) < 0.01 || Math.Abs(d - 300) < 0.01 || Math.Abs(d - 1) < 1e-9))
            return $"{d:G4} dpi is a software default, not a scan resolution";
        if (mpp < MinPlausible || mpp > MaxPlausible) return $"outside the plausible range [{MinPlausible}, {MaxPlausible}] µm/px";
        return null;
    }

    /// <summary>µm/px from a TIFF resolution tag (pixels per unit) and ResolutionUnit (2 inch, 3 cm); also returns the dpi for the check.</summary>
    public static (double? Mpp, double? Dpi) FromTiffResolution(double? pixelsPerUnit, int unit)
    {
        if (pixelsPerUnit is not { } r || r <= 0) return (null, null);
        return unit switch
        {
            2 => (25400.0 / r, r),
            3 => (10000.0 / r, r * 2.54),
            _ => (null, null),
        };
    }

    private static readonly Regex AperioMpp = new(@"(?:^|\|)\s*MPP\s*=\s*([0-9.eE+-]+)", RegexOptions.Compiled);
    private static readonly Regex AperioMag = new(@"(?:^|\|)\s*AppMag\s*=\s*([0-9.eE+-]+)", RegexOptions.Compiled);

    /// <summary>Aperio ImageDescription: "Aperio Image Library ... |AppMag = 20|MPP = 0.4990|..." (SVS spec).</summary>
    public static double? FromAperioDescription(string? description) => ParseGroup(AperioMpp, description);

    public static double? AperioMagnification(string? description) => ParseGroup(AperioMag, description);

    private static double? ParseGroup(Regex re, string? s)
    {
        if (string.IsNullOrEmpty(s) || !s.StartsWith("Aperio", StringComparison.OrdinalIgnoreCase)) return null;
        var m = re.Match(s);
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>OME-XML: first <c>Pixels</c> element's PhysicalSizeX converted to µm (units per OME schema; µm when absent).</summary>
    public static double? FromOmeXml(string? description)
    {
        if (string.IsNullOrEmpty(description) || !description.Contains("<OME", StringComparison.Ordinal)) return null;
        try
        {
            var doc = XDocument.Parse(description);
            var pixels = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Pixels");
            var sx = pixels?.Attribute("PhysicalSizeX")?.Value;
            if (sx is null || !double.TryParse(sx, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return null;
            var unit = pixels!.Attribute("PhysicalSizeXUnit")?.Value ?? "µm";
            double? f = unit switch
            {
                "µm" or "um" or "μm" or "micron" or "micrometer" => 1,
                "nm" => 1e-3,
                "mm" => 1e3,
                "cm" => 1e4,
                "m" => 1e6,
                "Å" or "angstrom" => 1e-4,
                _ => null,
            };
            return f is null ? null : v * f.Value;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    /// <summary>Level-0 µm/px assumed for a magnification when the file gives mpp but no objective power
    /// (the common 10 µm / objective convention: 40× ≈ 0.25, 20× ≈ 0.5).</summary>
    public static double MppForMagnification(double magnification, double? baseMpp, double? basePower)
    {
        if (magnification <= 0) throw new ArgumentOutOfRangeException(nameof(magnification), "magnification must be positive");
        if (baseMpp is { } m && basePower is { } p && p > 0) return m * p / magnification;
        return 10.0 / magnification;
    }
}
