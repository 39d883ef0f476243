using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// Options of <c>zoo tile wsi</c> (the output folder is the common <c>--out</c>, alias <c>-o</c>; the slide file or folder
/// is <c>--input</c>, or the common <c>--data</c>).
/// </summary>
public sealed class TileWsiOptions
{
    [Description("Slide file, or a folder of slides (batch mode)"), OptionName("--input", "--slide"), Positional]
    public string? Input { get; set; }

    [Description("Target microns per pixel of the tiles")] public double? Mpp { get; set; }

    [Description("Target magnification, e.g. 20")] public double? Mag { get; set; }

    [Description("Tile this pyramid level as is")] public int? Level { get; set; }

    [Description("Tile size in pixels (default 256)"), OptionName("--tile-size")] public int TileSize { get; set; } = 256;

    [Description("Overlap between neighbouring tiles in pixels (default 0)")] public int Overlap { get; set; }

    [Description("Drop edge tiles that extend past the slide"), OptionName("--no-padding")] public bool NoPadding { get; set; }

    [Description("Keep tiles with at least this tissue fraction (0 = keep all; default 0.1)"), OptionName("--min-tissue")]
    public double MinTissue { get; set; } = 0.1;

    [Description("jpeg, png or none (coordinates only)"), AllowedValues("jpeg", "jpg", "png", "none")] public string Format { get; set; } = "jpeg";

    [Description("JPEG quality 1..100 (default 85)")] public int Quality { get; set; } = 85;

    [Description("Do not write coords.csv"), OptionName("--no-csv")] public bool NoCsv { get; set; }

    [Description("Do not write the CLAM .h5 file"), OptionName("--no-h5")] public bool NoH5 { get; set; }

    [Description("Also write a DeepZoom pyramid (background skipped by the tissue mask)"), OptionName("--deepzoom")]
    public bool DeepZoom { get; set; }

    [Description("Fixed saturation threshold 0..255 instead of Otsu")] public int? Threshold { get; set; }

    [Description("Tissue-mask resolution in µm/px (default 8)"), OptionName("--mask-mpp")] public double MaskMpp { get; set; } = 8;

    [Description("Parallel workers (default: --threads, else all cores)")] public int? Workers { get; set; }

    [Description("Level-0 µm/px to use instead of the file's metadata"), OptionName("--mpp-override")] public double? MppOverride { get; set; }

    [Description("Redo slides and tiles already finished"), OptionName("--no-resume")] public bool NoResume { get; set; }

    [Description("Always decode and re-encode tiles"), OptionName("--no-passthrough")] public bool NoPassthrough { get; set; }

    [Description("Read through OpenSlide (libopenslide0)"), OptionName("--openslide")] public bool OpenSlide { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Format is not ("jpeg" or "jpg" or "png" or "none"))
            throw new ArgumentException($"--format must be jpeg, png or none, not '{Format}'");
        if (MinTissue is < 0 or > 1) throw new ArgumentException("--min-tissue must be in [0, 1]");
        if (Quality is < 1 or > 100) throw new ArgumentException("--quality must be in [1, 100]");
    }

    /// <summary>The library options these command-line options stand for.</summary>
    public TilerOptions ToTilerOptions(int? threads = null) => new()
    {
        Grid = new GridOptions { Mpp = Mpp, Magnification = Mag, Level = Level, TileSize = TileSize, Overlap = Overlap, Padding = !NoPadding },
        Tissue = new TissueOptions { Threshold = Threshold, MaskMpp = MaskMpp },
        MinTissueFraction = MinTissue,
        Format = Format switch { "png" => TileImageFormat.Png, "none" => TileImageFormat.None, _ => TileImageFormat.Jpeg },
        JpegQuality = Quality, WriteCsv = !NoCsv, WriteH5 = !NoH5, DeepZoom = DeepZoom,
        Workers = Workers ?? threads ?? Environment.ProcessorCount, MppOverride = MppOverride, Resume = !NoResume,
        Passthrough = !NoPassthrough, UseOpenSlide = OpenSlide,
    };
}
