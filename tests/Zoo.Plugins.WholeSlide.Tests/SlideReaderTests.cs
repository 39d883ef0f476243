using NetVips;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class SlideReaderTests
{
    [TestMethod]
    public void OpensGeneratedPyramid_LevelsDownsamplesAndMppFromTiffResolution()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        Assert.AreEqual("netvips:tiffload", s.Backend);
        Assert.AreEqual("generic-tiff", s.Vendor);
        Assert.AreEqual(4096L, s.Levels[0].Width);
        Assert.AreEqual(3072L, s.Levels[0].Height);
        Assert.IsGreaterThanOrEqualTo(4, s.Levels.Count);
        for (int i = 0; i < s.Levels.Count; i++)
            Close.Within(Math.Pow(2, i), s.Levels[i].Downsample, 1e-6 * Math.Pow(2, i) + 0.01, $"level {i}");
        Assert.AreEqual("tiff-resolution", s.Mpp.Source);
        Close.Within(0.25, s.Mpp.Value!.Value, 1e-9, "mpp");
        Assert.AreEqual("centimeter", s.Properties["tiff.ResolutionUnit"]);
        using var region = s.ReadRegion(1, 100, 100, 64, 48);
        Assert.AreEqual(64, region.Width);
        Assert.AreEqual(3, region.Bands);
    }

    [TestMethod]
    public void ReadRegion_PadsOutsideTheLevelWithWhite()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        using var r = s.ReadRegion(0, 4096 - 16, 3072 - 16, 32, 32);
        var px = r.WriteToMemory<byte>();
        // bottom-right quadrant is outside the slide
        int i = (31 * 32 + 31) * 3;
        Assert.AreEqual(255, px[i]); Assert.AreEqual(255, px[i + 1]); Assert.AreEqual(255, px[i + 2]);
    }

    [TestMethod]
    public void MppOverride_WinsOverMetadata()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path, mppOverride: 0.5);
        Close.Within(0.5, s.Mpp.Value!.Value, 0, "mpp");
        Assert.AreEqual("override", s.Mpp.Source);
    }

    [TestMethod]
    public void TruncatedSlide_ErrorNamesFileAndTruncation()
    {
        var (path, _) = TestSlides.Small;
        var dir = TestSlides.NewDir("trunc");
        var bad = Path.Combine(dir, "truncated.tif");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(bad, bytes[..(bytes.Length * 6 / 10)]);
        var e = Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(bad));
        StringAssert.Contains(e.Message, bad);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void GarbageAndEmptyFiles_ClearErrors()
    {
        var dir = TestSlides.NewDir("garbage");
        var junk = Path.Combine(dir, "junk.tif");
        var rnd = new Random(3);
        var b = new byte[5000];
        rnd.NextBytes(b);
        File.WriteAllBytes(junk, b);
        var e1 = Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(junk));
        StringAssert.Contains(e1.Message, junk);

        var tiffish = Path.Combine(dir, "badifd.tif");
        b[0] = (byte)'I'; b[1] = (byte)'I'; b[2] = 42; b[3] = 0; b[4] = 0xF0; b[5] = 0xFF; b[6] = 0xFF; b[7] = 0x0F;
        File.WriteAllBytes(tiffish, b);
        var e2 = Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(tiffish));
        StringAssert.Contains(e2.Message, tiffish);
        StringAssert.Contains(e2.Message, "outside");

        var empty = Path.Combine(dir, "empty.svs");
        File.WriteAllBytes(empty, []);
        var e3 = Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(empty));
        StringAssert.Contains(e3.Message, empty);

        var missing = Path.Combine(dir, "nope.tif");
        StringAssert.Contains(Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(missing)).Message, "not found");
    }

    [TestMethod]
    public void CorruptTileData_ErrorNamesFileWhenTheTileIsRead()
    {
        var (path, _) = TestSlides.Small;
        var dir = TestSlides.NewDir("corrupt-tile");
        var bad = Path.Combine(dir, "corrupt.tif");
        File.Copy(path, bad);
        var tiff = TiffStructure.Read(bad);
        var d0 = tiff.Directories[0];
        // Overwrite the compressed data of tile (5,5) with junk (keeps the structure valid).
        int idx = 5 * d0.TilesAcross + 5;
        using (var fs = new FileStream(bad, FileMode.Open, FileAccess.Write))
        {
            fs.Position = d0.TileOffsets[idx];
            fs.Write(Enumerable.Repeat((byte)0x00, (int)d0.TileByteCounts[idx]).ToArray());
        }
        using var s = SlideReader.Open(bad);
        var grid = TileGrid.Plan(s, new GridOptions());
        var e = Assert.ThrowsExactly<SlideReadException>(() => TileExtraction.RenderTile(s, grid, 5 * 256, 5 * 256, new TilerOptions()));
        StringAssert.Contains(e.Message, bad);
    }

    [TestMethod]
    public void PlainImage_OneLevel_72DpiIsNotAnMpp()
    {
        var dir = TestSlides.NewDir("plain");
        var png = Path.Combine(dir, "plain.png");
        using (var img = Image.Black(300, 200, 3).NewFromImage(240, 240, 240).Cast(Enums.BandFormat.Uchar).Copy(xres: 72 / 25.4, yres: 72 / 25.4))
            img.Pngsave(png);
        using var s = SlideReader.Open(png);
        Assert.AreEqual(1, s.Levels.Count);
        Assert.AreEqual(300L, s.Levels[0].Width);
        Assert.IsFalse(s.Mpp.Known);
        Assert.IsTrue(s.Mpp.Rejected.Any(r => r.Contains("dpi")), string.Join("; ", s.Mpp.Rejected));
        var e = Assert.ThrowsExactly<SlideReadException>(() => TileGrid.Plan(s, new GridOptions { Mpp = 0.5 }));
        StringAssert.Contains(e.Message, png);
        StringAssert.Contains(e.Message, "--mpp-override");
    }

    [TestMethod]
    public void OpenSlide_SameReaderInterface_OrClearMissingPackageError()
    {
        var (path, _) = TestSlides.Small;
        if (!OpenSlideReader.IsAvailable)
        {
            var e = Assert.ThrowsExactly<SlideBackendMissingException>(() => SlideReader.Open(path, preferOpenSlide: true));
            StringAssert.Contains(e.Message, "libopenslide0");
            StringAssert.Contains(e.Message, path);
            return;
        }
        using var os = SlideReader.Open(path, preferOpenSlide: true);
        using var vs = SlideReader.Open(path);
        Assert.AreEqual("openslide", os.Backend);
        Assert.AreEqual(vs.Levels.Count, os.Levels.Count);
        for (int i = 0; i < vs.Levels.Count; i++)
        {
            Assert.AreEqual(vs.Levels[i].Width, os.Levels[i].Width);
            Close.Within(vs.Levels[i].Downsample, os.Levels[i].Downsample, 0.01, $"level {i} downsample");
        }
        // OpenSlide 3.4 has no openslide.mpp-x for generic TIFF: the chain falls back to the TIFF resolution tags.
        Close.Within(0.25, os.Mpp.Value!.Value, 1e-6, "OpenSlide mpp");
        using var a = os.ReadRegion(1, 300, 200, 64, 64);
        using var b = vs.ReadRegion(1, 300, 200, 64, 64);
        var pa = a.WriteToMemory<byte>();
        var pb = b.WriteToMemory<byte>();
        double mad = pa.Zip(pb, (x, y) => Math.Abs(x - y)).Average();
        Close.Below(2.0, mad, $"OpenSlide and libvips decode the same tiles; mean abs diff {mad}");
    }

    [TestMethod]
    public void VendorExtension_GoesThroughOpenSlide()
    {
        var dir = TestSlides.NewDir("ndpi");
        var ndpi = Path.Combine(dir, "fake.ndpi");
        File.WriteAllText(ndpi, "not a slide");
        // Without libopenslide0 the error is the "backend missing" kind (a SlideReadException naming the package).
        SlideReadException e = OpenSlideReader.IsAvailable
            ? Assert.ThrowsExactly<SlideReadException>(() => SlideReader.Open(ndpi))
            : Assert.ThrowsExactly<SlideBackendMissingException>(() => SlideReader.Open(ndpi));
        StringAssert.Contains(e.Message, ndpi);
        if (!OpenSlideReader.IsAvailable) StringAssert.Contains(e.Message, "libopenslide0");
        else StringAssert.Contains(e.Message, "OpenSlide");
    }
}
