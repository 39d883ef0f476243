using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Adds <c>zoo tile wsi</c> and <c>zoo bench wsi</c>.</summary>
[ZooExport(typeof(IZooCommandProvider), "wsi", Task = ZooTasks.Tiling,
    Summary = "Whole-slide tiler: tissue detection, tiles at a chosen mpp, CLAM coordinates (CSV/HDF5), DeepZoom, resume and batch (NetVips; OpenSlide formats with libopenslide0).")]
public sealed class WholeSlideCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new ZooCommand("tile", "wsi", typeof(TileWsiCommand), "Tile a whole-slide image (or every slide in a folder): tissue mask, tiles, coords.csv, CLAM .h5, manifest"),
        new ZooCommand("bench", "wsi", typeof(BenchWsiCommand), "Benchmark the tiler against libvips dzsave --skip-blanks on a generated slide (time, peak memory, % of the JPEG decode+encode ceiling)"),
    ];
}

public sealed class TileWsiSettings : CommandSettings
{
    [CommandArgument(0, "<INPUT>"), Description("Slide file, or a folder of slides (batch mode)")]
    public string Input { get; set; } = "";

    [CommandOption("-o|--out <DIR>"), Description("Output folder (one sub-folder per slide)")]
    public string Out { get; set; } = "";

    [CommandOption("--mpp <MPP>"), Description("Target microns per pixel of the tiles")]
    public double? Mpp { get; set; }

    [CommandOption("--mag <MAG>"), Description("Target magnification, e.g. 20")]
    public double? Mag { get; set; }

    [CommandOption("--level <LEVEL>"), Description("Tile this pyramid level as is")]
    public int? Level { get; set; }

    [CommandOption("--tile-size <PX>"), DefaultValue(256)]
    public int TileSize { get; set; } = 256;

    [CommandOption("--overlap <PX>"), DefaultValue(0)]
    public int Overlap { get; set; }

    [CommandOption("--no-padding"), Description("Drop edge tiles that extend past the slide")]
    public bool NoPadding { get; set; }

    [CommandOption("--min-tissue <FRACTION>"), Description("Keep tiles with at least this tissue fraction (0 = keep all)"), DefaultValue(0.1)]
    public double MinTissue { get; set; } = 0.1;

    [CommandOption("--format <FORMAT>"), Description("jpeg, png or none (coordinates only)"), DefaultValue("jpeg")]
    public string Format { get; set; } = "jpeg";

    [CommandOption("--quality <Q>"), DefaultValue(85)]
    public int Quality { get; set; } = 85;

    [CommandOption("--no-csv")]
    public bool NoCsv { get; set; }

    [CommandOption("--no-h5")]
    public bool NoH5 { get; set; }

    [CommandOption("--deepzoom"), Description("Also write a DeepZoom pyramid (background skipped by the tissue mask)")]
    public bool DeepZoom { get; set; }

    [CommandOption("--threshold <S>"), Description("Fixed saturation threshold 0..255 instead of Otsu")]
    public int? Threshold { get; set; }

    [CommandOption("--mask-mpp <MPP>"), Description("Tissue-mask resolution in µm/px"), DefaultValue(8.0)]
    public double MaskMpp { get; set; } = 8;

    [CommandOption("--workers <N>"), Description("Parallel workers (default: all cores)")]
    public int? Workers { get; set; }

    [CommandOption("--mpp-override <MPP>"), Description("Level-0 µm/px to use instead of the file's metadata")]
    public double? MppOverride { get; set; }

    [CommandOption("--no-resume"), Description("Redo slides and tiles already finished")]
    public bool NoResume { get; set; }

    [CommandOption("--no-passthrough"), Description("Always decode and re-encode tiles")]
    public bool NoPassthrough { get; set; }

    [CommandOption("--openslide"), Description("Read through OpenSlide (libopenslide0)")]
    public bool OpenSlide { get; set; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required");
        if (Format is not ("jpeg" or "jpg" or "png" or "none")) return ValidationResult.Error($"--format must be jpeg, png or none, not '{Format}'");
        if (MinTissue is < 0 or > 1) return ValidationResult.Error("--min-tissue must be in [0, 1]");
        if (Quality is < 1 or > 100) return ValidationResult.Error("--quality must be in [1, 100]");
        return ValidationResult.Success();
    }

    public TilerOptions ToOptions() => new()
    {
        Grid = new GridOptions { Mpp = Mpp, Magnification = Mag, Level = Level, TileSize = TileSize, Overlap = Overlap, Padding = !NoPadding },
        Tissue = new TissueOptions { Threshold = Threshold, MaskMpp = MaskMpp },
        MinTissueFraction = MinTissue,
        Format = Format switch { "png" => TileImageFormat.Png, "none" => TileImageFormat.None, _ => TileImageFormat.Jpeg },
        JpegQuality = Quality, WriteCsv = !NoCsv, WriteH5 = !NoH5, DeepZoom = DeepZoom,
        Workers = Workers ?? Environment.ProcessorCount, MppOverride = MppOverride, Resume = !NoResume,
        Passthrough = !NoPassthrough, UseOpenSlide = OpenSlide,
    };
}

public sealed class TileWsiCommand : Command<TileWsiSettings>
{
    public override int Execute(CommandContext context, TileWsiSettings s, CancellationToken cancellationToken)
    {
        var options = s.ToOptions();
        bool batch = Directory.Exists(s.Input);
        var results = new List<SlideResult>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                string? current = null;
                var progress = new Progress<TilerProgress>(p =>
                {
                    if (current != p.Slide || task is null)
                    {
                        current = p.Slide;
                        task = ctx.AddTask(Markup.Escape(Path.GetFileName(p.Slide)), maxValue: Math.Max(1, p.Total));
                    }
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape($"{Path.GetFileName(p.Slide)} {p.Done}/{p.Total} tiles {p.TilesPerSecond:F0} tiles/s");
                });
                if (batch)
                    results.AddRange(WholeSlideTiler.RunBatch(s.Input, s.Out, options, progress, ct: cancellationToken));
                else
                {
                    try { results.Add(WholeSlideTiler.Run(s.Input, s.Out, options, progress, cancellationToken)); }
                    catch (SlideReadException e)
                    {
                        results.Add(new SlideResult { Slide = s.Input, Name = WholeSlideTiler.SlideName(s.Input), Status = "failed", Error = e.Message });
                    }
                }
            });
        var table = new Table().AddColumns("slide", "status", "mpp (source)", "level", "kept / grid", "written", "passthrough", "resumed", "s", "error");
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Name), r.Status == "failed" ? "[red]failed[/]" : r.Status,
                Markup.Escape(r.Mpp is null ? "-" : $"{r.Mpp.Value.ToString("G4", CultureInfo.InvariantCulture)} ({r.MppSource})"),
                r.Level.ToString(CultureInfo.InvariantCulture), $"{r.KeptTiles}/{r.GridTiles}", r.Written.ToString(CultureInfo.InvariantCulture),
                r.Passthrough.ToString(CultureInfo.InvariantCulture), r.Resumed.ToString(CultureInfo.InvariantCulture),
                r.Seconds.ToString("F2", CultureInfo.InvariantCulture), Markup.Escape(r.Error ?? ""));
        AnsiConsole.Write(table);
        if (batch) AnsiConsole.MarkupLineInterpolated($"batch summary: {Path.Combine(s.Out, "batch.json")} and batch.csv");
        return results.Any(r => r.Status == "failed") ? 1 : 0;
    }
}

public sealed class BenchWsiSettings : CommandSettings
{
    [CommandOption("--size <SIZE>"), Description("large (40000x30000), small (4000x3000) or WxH"), DefaultValue("large")]
    public string Size { get; set; } = "large";

    [CommandOption("--work <DIR>"), Description("Scratch folder for the generated slide and outputs (default: temp)")]
    public string? Work { get; set; }

    [CommandOption("--workers <N>")]
    public int? Workers { get; set; }

    [CommandOption("--keep"), Description("Keep the outputs")]
    public bool Keep { get; set; }
}

public sealed class BenchWsiCommand : Command<BenchWsiSettings>
{
    public override int Execute(CommandContext context, BenchWsiSettings s, CancellationToken cancellationToken)
    {
        var (w, h) = s.Size switch
        {
            "large" => (40000, 30000),
            "small" => (4000, 3000),
            _ => ParseSize(s.Size),
        };
        var report = WholeSlideBench.Run(w, h, s.Work ?? Path.Combine(Path.GetTempPath(), "zoo-bench-wsi"), s.Workers ?? Environment.ProcessorCount, s.Keep,
            line => AnsiConsole.MarkupLine(Markup.Escape(line)));
        AnsiConsole.WriteLine();
        foreach (var line in report) AnsiConsole.WriteLine(line);
        return 0;
    }

    private static (int, int) ParseSize(string s)
    {
        var p = s.ToLowerInvariant().Split('x');
        if (p.Length == 2 && int.TryParse(p[0], out var a) && int.TryParse(p[1], out var b) && a > 0 && b > 0) return (a, b);
        throw new ArgumentException($"--size must be large, small or WxH, not '{s}'");
    }
}
