using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// <c>zoo bench wsi</c>: on a generated slide (28 % tissue, 256² JPEG Q85 tiles, 0.25 µm/px), measures in the same run
/// (1) the JPEG decode+encode ceiling of this machine (libjpeg-turbo through libvips, 256² tiles, all cores),
/// (2) this tiler (tissue tiles at level 0, 256 px, JPEG Q85) with passthrough and with decode+encode,
/// (3) the reference: <c>vips dzsave --skip-blanks</c> (the libvips-tools CLI when installed, else NetVips' Dzsave in-process),
/// and reports wall time, peak RSS and their ratios, plus tissue recall/precision against the ground truth.
/// </summary>
public static class WholeSlideBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<string> Run(int width, int height, string work, int workers, bool keep, Action<string> log)
    {
        Directory.CreateDirectory(work);
        string slide = Path.Combine(work, $"synthetic-{width}x{height}.tif");
        var spec = new SyntheticSlideSpec
        {
            Width = width, Height = height, BigTiff = (long)width * height > 200_000_000, FieldScale = Math.Max(8, Math.Max(width, height) / 800),
        };
        var sw = Stopwatch.StartNew();
        string specFile = slide + ".spec.json";
        string specJson = JsonSerializer.Serialize(spec);
        SyntheticSlideTruth truth;
        if (File.Exists(slide) && File.Exists(specFile) && File.ReadAllText(specFile) == specJson)
        {
            log($"reusing {slide}");
            truth = SyntheticSlide.Truth(spec);
        }
        else
        {
            log($"generating {width}x{height} slide at {slide} ...");
            truth = SyntheticSlide.Generate(slide, spec);
            File.WriteAllText(specFile, specJson);
            log($"generated in {sw.Elapsed.TotalSeconds:F1} s ({new FileInfo(slide).Length / 1e6:F1} MB)");
        }

        string libvips = $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
        var lines = new List<string> { $"slide {width}x{height}, {new FileInfo(slide).Length / 1e6:F1} MB, workers {workers}, libvips {libvips}" };

        // (1) ceiling: decode + encode Q85 of real 256² tiles of this slide, all cores.
        double ceiling = Ceiling(slide, workers);
        lines.Add($"JPEG decode+encode ceiling: {ceiling:F0} tiles/s on {workers} workers");
        log(lines[^1]);

        // (2) our tiler.
        var opts = new TilerOptions { Workers = workers, Resume = false, WriteQcImages = true };
        // Warm-up (JIT, libvips operation cache, page cache) with coordinates only, not timed.
        WholeSlideTiler.Run(slide, Path.Combine(work, "warmup"), opts with { Format = TileImageFormat.None, WriteQcImages = false });
        var (ours, oursSec, oursRss) = ResourceMeter.Measure(() => WholeSlideTiler.Run(slide, Path.Combine(work, "ours"), opts));
        var (oursDec, decSec, decRss) = ResourceMeter.Measure(() =>
            WholeSlideTiler.Run(slide, Path.Combine(work, "ours-decode"), opts with { Passthrough = false }));
        string Pct(long tiles, double sec) => $"{100 * tiles / ceiling / sec:F0}% of ceiling";
        lines.Add($"ours (passthrough): {oursSec:F2} s, peak RSS {oursRss / 1e6:F0} MB, {ours.KeptTiles} tissue tiles "
            + $"({ours.Passthrough} copied), {ours.KeptTiles / oursSec:F0} tiles/s, {Pct(ours.KeptTiles, oursSec)}");
        log(lines[^1]);
        lines.Add($"ours (decode+encode): {decSec:F2} s, peak RSS {decRss / 1e6:F0} MB, {oursDec.KeptTiles} tiles, "
            + $"{oursDec.KeptTiles / decSec:F0} tiles/s, {Pct(oursDec.KeptTiles, decSec)}");
        log(lines[^1]);

        // Tissue quality vs ground truth (tiles with ≥ 10 % true tissue).
        var kept = new HashSet<(long, long)>(File.ReadLines(Path.Combine(work, "ours", WholeSlideTiler.SlideName(slide), "coords.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(p => (long.Parse(p[0], Inv), long.Parse(p[1], Inv))));
        int truePos = 0, trueTotal = 0;
        for (long y = 0; y < height; y += 256)
            for (long x = 0; x < width; x += 256)
            {
                bool t = truth.Fraction(x, y, 256, 16) >= 0.1;
                if (t) { trueTotal++; if (kept.Contains((x, y))) truePos++; }
            }
        lines.Add($"tissue vs truth (>=10% tissue tiles): recall {(double)truePos / Math.Max(1, trueTotal):F3}, "
            + $"precision {(double)truePos / Math.Max(1, kept.Count):F3} ({kept.Count} kept, {trueTotal} true)");
        log(lines[^1]);

        // (3) reference dzsave --skip-blanks 30.
        string dzOut = Path.Combine(work, "dzsave");
        if (Directory.Exists(dzOut)) Directory.Delete(dzOut, true);
        Directory.CreateDirectory(dzOut);
        string? vipsCli = ResourceMeter.FindOnPath("vips");
        double refSec; long refRss; string refName; long refTiles;
        if (vipsCli is not null)
        {
            refName = "vips dzsave CLI (libvips-tools) --skip-blanks 30";
            (refSec, refRss) = ResourceMeter.MeasureProcess(vipsCli,
            [
                "dzsave", slide, Path.Combine(dzOut, "a"), "--tile-size", "256", "--overlap", "0", "--depth", "onetile",
                "--suffix", ".jpg[Q=85]", "--skip-blanks", "30",
            ]);
        }
        else
        {
            refName = "NetVips Dzsave in-process, skipBlanks 30 (vips CLI not installed)";
            int old = NetVips.NetVips.Concurrency;
            NetVips.NetVips.Concurrency = workers;
            (_, refSec, refRss) = ResourceMeter.Measure(() =>
            {
                using var img = Image.NewFromFile(slide, access: Enums.Access.Sequential);
                img.Dzsave(Path.Combine(dzOut, "a"), tileSize: 256, overlap: 0, depth: Enums.ForeignDzDepth.Onetile, suffix: ".jpg[Q=85]", skipBlanks: 30);
                return 0;
            });
            NetVips.NetVips.Concurrency = old;
        }
        string l0 = Directory.GetDirectories(Path.Combine(dzOut, "a_files")).OrderByDescending(d => int.Parse(Path.GetFileName(d), Inv)).First();
        refTiles = Directory.GetFiles(l0).Length;
        long allTiles = (long)Math.Ceiling(width / 256.0) * (long)Math.Ceiling(height / 256.0);
        lines.Add($"reference {refName}: {refSec:F2} s, peak RSS {refRss / 1e6:F0} MB, {refTiles} level-0 tiles written, "
            + $"{refTiles / refSec:F0} tiles/s, {Pct(refTiles, refSec)} (decodes all {allTiles} tiles)");
        log(lines[^1]);
        lines.Add($"ratios ours/reference: time {oursSec / refSec:F3} (passthrough), {decSec / refSec:F3} (decode+encode); "
            + $"peak memory {(double)oursRss / refRss:F3}, {(double)decRss / refRss:F3}");
        string Met(long tiles, double sec) => 100 * tiles / ceiling / sec >= 70 ? "met" : "not met";
        lines.Add($"goal: >= 70% of ceiling and < 1 GiB: passthrough {Met(ours.KeptTiles, oursSec)}, "
            + $"decode+encode {Met(oursDec.KeptTiles, decSec)}; peak {Math.Max(oursRss, decRss) / 1e6:F0} MB");
        log(lines[^1]);
        if (!keep)
            foreach (var d in new[] { "ours", "ours-decode", "dzsave", "warmup" })
                if (Directory.Exists(Path.Combine(work, d))) Directory.Delete(Path.Combine(work, d), true);
        return lines;
    }

    /// <summary>Decode+encode throughput of 256² JPEG tiles taken from the slide (same codec as both tilers), all workers.</summary>
    private static double Ceiling(string slide, int workers)
    {
        var tiff = TiffStructure.Read(slide);
        var jt = new TiffJpegTiles(slide, tiff.Directories[0]);
        using var h = jt.OpenHandle();
        var d = tiff.Directories[0];
        var samples = new List<byte[]>();
        var rng = new Random(5);
        for (int i = 0; i < 600; i++) samples.Add(jt.Read(h, rng.Next(d.TilesAcross - 1), rng.Next(d.TilesDown - 1)));
        int old = NetVips.NetVips.Concurrency;
        NetVips.NetVips.Concurrency = 1;
        try
        {
            void Once(byte[] b)
            {
                using var img = Image.JpegloadBuffer(b, access: Enums.Access.Sequential);
                _ = img.JpegsaveBuffer(q: 85, keep: Enums.ForeignKeep.None);
            }
            Parallel.ForEach(samples.Take(100), new ParallelOptions { MaxDegreeOfParallelism = workers }, Once); // warm-up
            var sw = Stopwatch.StartNew();
            int reps = 4;
            for (int r = 0; r < reps; r++) Parallel.ForEach(samples, new ParallelOptions { MaxDegreeOfParallelism = workers }, Once);
            return samples.Count * reps / sw.Elapsed.TotalSeconds;
        }
        finally { NetVips.NetVips.Concurrency = old; }
    }
}
