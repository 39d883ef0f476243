using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetVips;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.WholeSlide;

public static partial class WholeSlideTiler
{
    /// <summary>The files of <paramref name="folder"/> that batch mode tiles (by extension, in ordinal order).</summary>
    public static IReadOnlyList<string> FindSlides(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: folder not found");
        return Directory.EnumerateFiles(folder)
            .Where(p => SlideReader.SlideExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Tiles every slide in <paramref name="folder"/>; one bad slide never stops the batch. Writes batch.json and batch.csv
    /// (one row per slide, failures included).
    /// </summary>
    public static IReadOnlyList<SlideResult> RunBatch(string folder, string outRoot, TilerOptions? options = null,
        IProgress<TilerProgress>? progress = null, Action<SlideResult>? onSlide = null, CancellationToken ct = default)
    {
        var slides = FindSlides(folder);
        var results = new List<SlideResult>();
        foreach (var s in slides)
        {
            ct.ThrowIfCancellationRequested();
            SlideResult r;
            var sw = Stopwatch.StartNew();
            try { r = Run(s, outRoot, options, progress, ct); }
            catch (Exception e) when (e is SlideReadException or IOException or InvalidOperationException or ArgumentException
                or VipsException or UnauthorizedAccessException)
            {
                r = Failed(s, e.Message) with { Seconds = Math.Round(sw.Elapsed.TotalSeconds, 3) };
            }
            results.Add(r);
            onSlide?.Invoke(r);
        }
        Directory.CreateDirectory(outRoot);
        AtomicFile.WriteAllText(Path.Combine(outRoot, "batch.json"), JsonSerializer.Serialize(results, Json));
        var sb = new StringBuilder("slide,status,kept_tiles,written,resumed,seconds,error\n");
        foreach (var r in results)
            sb.Append(CultureInfo.InvariantCulture,
                $"{Csv(r.Slide)},{r.Status},{r.KeptTiles},{r.Written},{r.Resumed},{r.Seconds},{Csv(r.Error ?? "")}\n");
        AtomicFile.WriteAllText(Path.Combine(outRoot, "batch.csv"), sb.ToString());
        return results;
    }

    /// <summary>The result row of a slide that could not be tiled.</summary>
    public static SlideResult Failed(string slidePath, string error) =>
        new() { Slide = Path.GetFullPath(slidePath), Name = SlideName(slidePath), Status = "failed", Error = error };

    private static string Csv(string s) =>
        s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
