using System.Text.Json;
using NetVips;
using PureHDF;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class TilerTests
{
    // The test slides are only ~1 mm wide, so their small tissue islands are below the default speck size: scale it down.
    private static readonly TilerOptions Fast = new() { Workers = 2, Tissue = new TissueOptions { MaskMpp = 4, MinRegionUm2 = 1000, MaxHoleUm2 = 1000 } };

    [TestMethod]
    public void Level0_TissueTiles_CsvH5ManifestAndPassthrough()
    {
        var (path, truth) = TestSlides.Small;
        var outDir = TestSlides.NewDir("tile-l0");
        var r = WholeSlideTiler.Run(path, outDir, Fast);
        Assert.AreEqual("complete", r.Status);
        Assert.AreEqual(192, r.GridTiles);
        Close.Within(0.25, r.Mpp!.Value, 0, "mpp");
        Assert.AreEqual("tiff-resolution", r.MppSource);
        string dir = Path.Combine(outDir, "small");

        // Kept tiles against the truth: every tile with ≥ 50 % true tissue kept, nothing kept that has < 2 % true tissue.
        var rows = File.ReadAllLines(Path.Combine(dir, "coords.csv"));
        CollectionAssert.AreEqual(ClamCoordinates.CsvHeader, rows[0].Split(','));
        var kept = rows.Skip(1).Select(l => l.Split(',')).Select(p => (X: long.Parse(p[0]), Y: long.Parse(p[1]), File: p[10])).ToList();
        Assert.AreEqual(r.KeptTiles, kept.Count);
        var keptSet = kept.Select(k => (k.X, k.Y)).ToHashSet();
        int missed = 0, glass = 0;
        for (long y = 0; y < 3072; y += 256)
            for (long x = 0; x < 4096; x += 256)
            {
                double f = truth.Fraction(x, y, 256);
                if (f >= 0.5 && !keptSet.Contains((x, y))) missed++;
                if (f < 0.02 && keptSet.Contains((x, y))) glass++;
            }
        Assert.AreEqual(0, missed, "tissue tiles missed");
        Assert.AreEqual(0, glass, "glass tiles kept");
        Assert.IsTrue(kept.Count is > 40 and < 120, $"{kept.Count} kept");

        // Tiles: 256² JPEGs; grid aligned with the TIFF tiles so all inner tiles were copied without decoding.
        Assert.AreEqual(kept.Count, Directory.GetFiles(Path.Combine(dir, "tiles"), "*.jpg").Length);
        Assert.AreEqual(kept.Count, r.Passthrough);
        var k0 = kept[kept.Count / 2];
        using (var tile = Image.NewFromFile(Path.Combine(dir, k0.File)))
        using (var s = SlideReader.Open(path))
        using (var region = s.ReadRegion(0, k0.X, k0.Y, 256, 256))
        {
            Assert.AreEqual((256, 256, 3), (tile.Width, tile.Height, tile.Bands));
            // Passthrough bytes decode to exactly what libvips decodes from the slide.
            var a = tile.WriteToMemory<byte>();
            var b = region.WriteToMemory<byte>();
            Assert.AreEqual(0, a.Zip(b, (p, q) => Math.Abs(p - q)).Max());
        }

        // CLAM HDF5 layout read back.
        using (var h5 = PureHDF.H5File.OpenRead(Path.Combine(dir, "small.h5")))
        {
            var ds = h5.Dataset("coords");
            var coords = ds.Read<long[,]>();
            Assert.AreEqual(kept.Count, coords.GetLength(0));
            Assert.AreEqual(2, coords.GetLength(1));
            for (int i = 0; i < kept.Count; i++) Assert.AreEqual((kept[i].X, kept[i].Y), (coords[i, 0], coords[i, 1]));
            Assert.AreEqual(256L, ds.Attribute("patch_size").Read<long>());
            Assert.AreEqual(0L, ds.Attribute("patch_level").Read<long>());
            CollectionAssert.AreEqual(new[] { 1.0, 1.0 }, ds.Attribute("downsample").Read<double[]>());
            CollectionAssert.AreEqual(new[] { 4096L, 3072L }, ds.Attribute("level_dim").Read<long[]>());
            Assert.AreEqual("small", ds.Attribute("name").Read<string>());
            Close.Within(0.25, ds.Attribute("mpp").Read<double>(), 1e-12, "h5 mpp attribute");
        }

        // QC pictures and manifest.
        using (var mask = Image.NewFromFile(Path.Combine(dir, "mask.png")))
            Assert.AreEqual(1, mask.Bands);
        using (var ov = Image.NewFromFile(Path.Combine(dir, "overlay.png")))
            Assert.AreEqual(3, ov.Bands);
        using (var plot = Image.NewFromFile(Path.Combine(dir, "mask-plot.png")))
            Assert.IsGreaterThanOrEqualTo(3, plot.Bands, "the mask plot is a colour PlotWriter figure (title, axes, colour bar)");
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;
        Assert.AreEqual("complete", manifest.GetProperty("status").GetString());
        Close.Within(0.25, manifest.GetProperty("mpp").GetDouble(), 0, "manifest mpp");
        Assert.AreEqual(kept.Count, manifest.GetProperty("kept_tiles").GetInt64());
        Assert.IsFalse(Directory.GetFiles(dir, "*.tmp*", SearchOption.AllDirectories).Any());
    }

    [TestMethod]
    public void HalfResolution_TilesComeFromLevel1_AndMatchLevel0Downscaled()
    {
        var (path, _) = TestSlides.Small;
        var outDir = TestSlides.NewDir("tile-mpp05");
        var r = WholeSlideTiler.Run(path, outDir, Fast with { Grid = new GridOptions { Mpp = 0.75 }, Format = TileImageFormat.Png });
        Assert.AreEqual(1, r.Level);
        Assert.AreEqual(384, r.SourceSize);
        Assert.AreEqual(0, r.Passthrough);
        string dir = Path.Combine(outDir, "small");
        var rows = File.ReadAllLines(Path.Combine(dir, "coords.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.IsTrue(rows.All(p => long.Parse(p[0]) % 768 == 0 && long.Parse(p[1]) % 768 == 0));
        Assert.IsTrue(rows.All(p => p[4] == "1" && long.Parse(p[5]) * 2 == long.Parse(p[0])));
        var p0 = rows[rows.Count / 2];
        long x = long.Parse(p0[0]), y = long.Parse(p0[1]);
        using var tile = Image.NewFromFile(Path.Combine(dir, p0[10]));
        Assert.AreEqual((256, 256), (tile.Width, tile.Height));
        using var s = SlideReader.Open(path);
        using var region = s.ReadRegion(0, x, y, 768, 768);
        using var down = region.Resize(1.0 / 3);
        var a = tile.WriteToMemory<byte>();
        var b = down.WriteToMemory<byte>();
        double mad = a.Zip(b, (p, q) => (double)Math.Abs(p - q)).Average();
        Close.Below(6.0, mad, $"mean abs diff {mad}");
        using var h5 = PureHDF.H5File.OpenRead(Path.Combine(dir, "small.h5"));
        var ds = h5.Dataset("coords");
        Assert.AreEqual(384L, ds.Attribute("patch_size").Read<long>());
        Assert.AreEqual(1L, ds.Attribute("patch_level").Read<long>());
        Assert.AreEqual(256L, ds.Attribute("target_patch_size").Read<long>());
    }

    [TestMethod]
    public void PngTiles_DecodedFromFileTiles_EqualTheSlidePixels()
    {
        var (path, _) = TestSlides.Small;
        var outDir = TestSlides.NewDir("png-l0");
        var r = WholeSlideTiler.Run(path, outDir, Fast with { Format = TileImageFormat.Png, MinTissueFraction = 0.9 });
        Assert.AreEqual(0, r.Passthrough);
        Assert.IsGreaterThan(0L, r.Written);
        using var s = SlideReader.Open(path);
        foreach (var f in Directory.GetFiles(Path.Combine(outDir, "small", "tiles")).Take(5))
        {
            var parts = Path.GetFileNameWithoutExtension(f).Split('_');
            long x = long.Parse(parts[1][1..]), y = long.Parse(parts[2][1..]);
            using var tile = Image.NewFromFile(f);
            using var region = s.ReadRegion(0, x, y, 256, 256);
            var a = tile.WriteToMemory<byte>();
            var b = region.WriteToMemory<byte>();
            Assert.AreEqual(0, a.Zip(b, (p, q) => Math.Abs(p - q)).Max(), f);
        }
    }

    [TestMethod]
    public void Resume_SkipsFinishedTiles_AndCompleteSlides()
    {
        var (path, _) = TestSlides.Small;
        var outDir = TestSlides.NewDir("resume");
        var opts = Fast with { Passthrough = false };
        var first = WholeSlideTiler.Run(path, outDir, opts);
        string dir = Path.Combine(outDir, "small");
        var tiles = Directory.GetFiles(Path.Combine(dir, "tiles")).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.AreEqual(first.KeptTiles, tiles.Length);

        // A complete slide with the same options is skipped.
        var again = WholeSlideTiler.Run(path, outDir, opts);
        Assert.AreEqual((0L, first.KeptTiles), (again.Written, again.Resumed));

        // Simulate an interrupted run: no manifest, three tiles missing, one stale temp file.
        var untouched = tiles[0];
        var stamp = File.GetLastWriteTimeUtc(untouched);
        File.Delete(Path.Combine(dir, "manifest.json"));
        foreach (var t in tiles.Skip(1).Take(3)) File.Delete(t);
        File.WriteAllText(Path.Combine(dir, "tiles", "half.jpg.7.tmp"), "partial");
        var resumed = WholeSlideTiler.Run(path, outDir, opts);
        Assert.AreEqual(3L, resumed.Written);
        Assert.AreEqual(first.KeptTiles - 3, resumed.Resumed);
        Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(untouched));
        Assert.AreEqual(tiles.Length, Directory.GetFiles(Path.Combine(dir, "tiles")).Length);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "manifest.json")));

        // Changed options redo the slide.
        var changed = WholeSlideTiler.Run(path, outDir, opts with { MinTissueFraction = 0.5 });
        Assert.IsLessThan(first.KeptTiles, changed.KeptTiles);
    }

    [TestMethod]
    public void Batch_OneBadSlideDoesNotStopTheOthers()
    {
        var (path, _) = TestSlides.Small;
        var input = TestSlides.NewDir("batch-in");
        var outDir = TestSlides.NewDir("batch-out");
        File.Copy(path, Path.Combine(input, "a.tif"));
        SyntheticSlide.Generate(Path.Combine(input, "c.tif"), new SyntheticSlideSpec { Width = 1024, Height = 768, Seed = 2, FieldScale = 16 });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(Path.Combine(input, "b.svs"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a slide, ignored");
        var results = WholeSlideTiler.RunBatch(input, outDir, Fast with { Format = TileImageFormat.None });
        Assert.AreEqual(3, results.Count);
        Assert.AreEqual("complete", results[0].Status);
        Assert.AreEqual("failed", results[1].Status);
        StringAssert.Contains(results[1].Error!, "b.svs");
        Assert.IsFalse(Directory.Exists(Path.Combine(outDir, "b")), "a failed slide leaves no output folder");
        Assert.AreEqual("complete", results[2].Status, results[2].Error);
        Assert.IsGreaterThan(0L, results[2].KeptTiles);
        var csv = File.ReadAllLines(Path.Combine(outDir, "batch.csv"));
        Assert.AreEqual(4, csv.Length);
        StringAssert.Contains(csv[2], "failed");
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "batch.json")));
        Assert.IsFalse(Directory.Exists(Path.Combine(outDir, "a", "tiles")) && Directory.GetFiles(Path.Combine(outDir, "a", "tiles")).Length > 0);
    }

    [TestMethod]
    public void DeepZoom_SkipsBackgroundOutsideTheMask()
    {
        var outDir = TestSlides.NewDir("dz");
        var p = Path.Combine(outDir, "dz.tif");
        SyntheticSlide.Generate(p, new SyntheticSlideSpec { Width = 2048, Height = 1536, Seed = 3, FieldScale = 16 });
        var r = WholeSlideTiler.Run(p, outDir, Fast with { DeepZoom = true, Format = TileImageFormat.None, DeepZoomTileSize = 256, DeepZoomOverlap = 0 });
        string dz = Path.Combine(outDir, "dz", "deepzoom");
        Assert.IsTrue(File.Exists(Path.Combine(dz, "dz.dzi")));
        var levels = Directory.GetDirectories(Path.Combine(dz, "dz_files")).Select(d => int.Parse(Path.GetFileName(d))).Max();
        int written = Directory.GetFiles(Path.Combine(dz, "dz_files", levels.ToString())).Length;
        Assert.IsTrue(written < 8 * 6 && written >= r.KeptTiles / 2, $"{written} level-0 DeepZoom tiles, {r.KeptTiles} kept grid tiles");
    }
}
