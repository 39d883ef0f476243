using System.Globalization;
using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// <c>zoo tile wsi --input SLIDE|FOLDER --out DIR [...]</c>: one slide, or every slide of a folder (batch.json, batch.csv).
/// Progress: a task per slide advanced per tile batch, plus a slide count in batch mode. Exit code 1 when a slide failed.
/// </summary>
public sealed class TileWsiRecipe() : Recipe<TileWsiOptions>(ZooVerbs.Tile, "wsi",
    "Tile a whole-slide image (or every slide in a folder): tissue mask, tiles, coords.csv, CLAM .h5, manifest")
{
    public override int Run(IZooContext context, CommonOptions common, TileWsiOptions options)
    {
        string input = options.Input ?? common.Data
            ?? throw new ArgumentException("the slide is required: zoo tile wsi --input SLIDE|FOLDER --out DIR");
        if (string.IsNullOrWhiteSpace(common.Out)) throw new ArgumentException("--out DIR is required");
        options.Validate();
        var tiler = options.ToTilerOptions(common.Threads);
        string outDir = common.Out;
        bool batch = Directory.Exists(input);
        var results = new List<SlideResult>();
        using (var bridge = new TilerProgressBridge(context.Progress))
        {
            if (batch)
            {
                using var slides = context.Progress.Start("slides", WholeSlideTiler.FindSlides(input).Count);
                results.AddRange(WholeSlideTiler.RunBatch(input, outDir, tiler, bridge, onSlide: r =>
                {
                    bridge.EndSlide();
                    slides.Advance();
                    slides.Describe($"slides ({r.Name}: {r.Status})");
                }, ct: context.Cancellation));
            }
            else
            {
                try { results.Add(WholeSlideTiler.Run(input, outDir, tiler, bridge, context.Cancellation)); }
                catch (SlideReadException e) { results.Add(WholeSlideTiler.Failed(input, e.Message)); }
            }
        }
        context.Output.Table("", ["slide", "status", "mpp (source)", "level", "kept / grid", "written", "passthrough", "resumed", "s", "error"],
            results.Select(Row));
        if (batch) context.Output.Line($"batch summary: {Path.Combine(outDir, "batch.json")} and batch.csv");
        foreach (var r in results.Where(r => r.Status == "failed")) context.Output.Warn($"{r.Name}: {r.Error}");
        return results.Any(r => r.Status == "failed") ? 1 : 0;
    }

    private static IReadOnlyList<string> Row(SlideResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        return
        [
            r.Name, r.Status, r.Mpp is null ? "-" : $"{r.Mpp.Value.ToString("G4", inv)} ({r.MppSource})",
            r.Level.ToString(inv), $"{r.KeptTiles}/{r.GridTiles}", r.Written.ToString(inv), r.Passthrough.ToString(inv),
            r.Resumed.ToString(inv), r.Seconds.ToString("F2", inv), r.Error ?? "",
        ];
    }
}

/// <summary>
/// Turns the tiler's reports into <see cref="IZooProgress"/> tasks: one per slide (total = kept tiles), advanced by the
/// tiles done since the last report (the tiler reports at most every 200 ms, serialised under a lock).
/// </summary>
internal sealed class TilerProgressBridge(IZooProgress progress) : IProgress<TilerProgress>, IDisposable
{
    private readonly Lock _gate = new();
    private IZooProgressTask? _task;
    private string? _slide;
    private long _done;

    public void Report(TilerProgress p)
    {
        lock (_gate)
        {
            string name = Path.GetFileName(p.Slide);
            if (_task is null || _slide != p.Slide)
            {
                _task?.Dispose();
                _slide = p.Slide;
                _done = 0;
                _task = progress.Start(name, Math.Max(1, p.Total));
            }
            if (p.Done > _done)
            {
                _task.Advance(p.Done - _done);
                _done = p.Done;
            }
            _task.Describe(string.Create(CultureInfo.InvariantCulture, $"{name} {p.Done}/{p.Total} tiles {p.TilesPerSecond:F0} tiles/s"));
        }
    }

    /// <summary>Closes the current slide's task (batch mode calls it after each slide).</summary>
    public void EndSlide()
    {
        lock (_gate)
        {
            _task?.Dispose();
            _task = null;
            _slide = null;
        }
    }

    public void Dispose() => EndSlide();
}
