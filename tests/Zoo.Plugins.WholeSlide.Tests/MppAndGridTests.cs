using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class MppAndGridTests
{
    [TestMethod]
    public void FallbackChain_SourcesAndSanityChecks()
    {
        Close.Within(0.499, MicronsPerPixel.FromAperioDescription("Aperio Image Library v11.2.1\r\n46000x32914 [0,100 46000x32814] (256x256) JPEG/RGB Q=30|AppMag = 20|StripeWidth = 2040|MPP = 0.4990|Left = 25.6")!.Value, 0, "Aperio MPP");
        Close.Within(20.0, MicronsPerPixel.AperioMagnification("Aperio Image Library |AppMag = 20|MPP = 0.4990")!.Value, 0, "Aperio AppMag");
        Assert.IsNull(MicronsPerPixel.FromAperioDescription("Some other scanner |MPP = 0.5"));
        const string ome = "<?xml version=\"1.0\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\"><Pixels ID=\"Pixels:0\" PhysicalSizeX=\"325\" PhysicalSizeXUnit=\"nm\" SizeX=\"10\" SizeY=\"10\" SizeC=\"3\" SizeZ=\"1\" SizeT=\"1\" Type=\"uint8\" DimensionOrder=\"XYCZT\"/></Image></OME>";
        Close.Within(0.325, MicronsPerPixel.FromOmeXml(ome)!.Value, 1e-12, "OME PhysicalSizeX");
        Close.Within(0.25, MicronsPerPixel.FromTiffResolution(40000, 3).Mpp!.Value, 1e-12, "px/cm"); // px/cm
        Close.Within(0.25, MicronsPerPixel.FromTiffResolution(101600, 2).Mpp!.Value, 1e-12, "px/inch"); // px/inch
        Assert.IsNull(MicronsPerPixel.FromTiffResolution(72, 1).Mpp); // unit "none"

        var (m72, d72) = MicronsPerPixel.FromTiffResolution(72, 2);
        var r = MicronsPerPixel.Resolve([("override", null, null), ("tiff-resolution", m72, d72)]);
        Assert.IsFalse(r.Known);
        StringAssert.Contains(r.Rejected[0], "72 dpi");
        var r2 = MicronsPerPixel.Resolve([("aperio-mpp", 0.5, null), ("tiff-resolution", 0.25, 101600)]);
        Assert.AreEqual("aperio-mpp", r2.Source);
        var r3 = MicronsPerPixel.Resolve([("openslide.mpp-x", 0.0, null), ("tiff-resolution", 0.25, 101600)]);
        Assert.AreEqual("tiff-resolution", r3.Source);
        Assert.AreEqual(1, r3.Rejected.Count);
        Close.Within(0.5, MicronsPerPixel.MppForMagnification(20, 0.25, 40), 1e-12, "mpp for 20x, scanned at 40x");
        Close.Within(0.5, MicronsPerPixel.MppForMagnification(20, 0.25, null), 1e-12, "mpp for 20x, no objective power");
    }

    [TestMethod]
    public void Grid_Level0_PaddingAndNoPadding()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        var g = TileGrid.Plan(s, new GridOptions());
        Assert.AreEqual((0, 16, 12, 256, false), (g.Level, g.Columns, g.Rows, g.SourceSize, g.Resize));
        var all = g.All().ToList();
        Assert.AreEqual(192, all.Count);
        Assert.IsTrue(all.All(t => t.X % 256 == 0 && t.Y % 256 == 0 && t.X == t.Col * 256 && t.Y == t.Row * 256));
        var g300 = TileGrid.Plan(s, new GridOptions { TileSize = 300 });
        Assert.AreEqual((14, 11), (g300.Columns, g300.Rows)); // ceil(4096/300), ceil(3072/300)
        var g300n = TileGrid.Plan(s, new GridOptions { TileSize = 300, Padding = false });
        Assert.AreEqual((13, 10), (g300n.Columns, g300n.Rows));
        Assert.IsTrue(g300n.All().All(t => t.X + 300 <= 4096 && t.Y + 300 <= 3072));
    }

    [TestMethod]
    public void Grid_AtMppAndMagnification_PicksLevelAndResize()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        var g = TileGrid.Plan(s, new GridOptions { Mpp = 0.5 });
        Assert.AreEqual((1, 256, false), (g.Level, g.SourceSize, g.Resize));
        Close.Within(2.0, g.Downsample, 0, "downsample");
        Assert.AreEqual((8, 6), (g.Columns, g.Rows));
        Assert.IsTrue(g.All().All(t => t.X % 512 == 0 && t.Y % 512 == 0));
        Assert.AreEqual((512L, 512L), g.LevelOrigin(g.At(2, 2)));
        Close.Within(0.5, g.Mpp!.Value, 1e-12, "grid mpp");

        var g75 = TileGrid.Plan(s, new GridOptions { Mpp = 0.75 }); // downsample 3: read 384 px at level 1, resize to 256
        Assert.AreEqual((1, 384, true), (g75.Level, g75.SourceSize, g75.Resize));
        Close.Within(768.0, g75.Stride0, 0, "stride at mpp 0.75");

        var g20 = TileGrid.Plan(s, new GridOptions { Magnification = 20 });
        Assert.AreEqual(1, g20.Level);
        Close.Within(0.5, g20.Mpp!.Value, 1e-12, "grid mpp at 20x");

        var gl = TileGrid.Plan(s, new GridOptions { Level = 2, TileSize = 128, Overlap = 32 });
        Close.Within(4.0, gl.Downsample, 0, "level 2 downsample");
        Close.Within(384.0, gl.Stride0, 0, "level 2 stride"); // (128 − 32) × 4
        Assert.AreEqual(384L, gl.At(1, 0).X);

        var near = TileGrid.Plan(s, new GridOptions { Mpp = 0.2527 }); // within 2 %: level 0, no upsampling
        Assert.AreEqual(0, near.Level);
        Close.Within(1.0, near.Downsample, 0, "downsample near level 0");
        var e = Assert.ThrowsExactly<SlideReadException>(() => TileGrid.Plan(s, new GridOptions { Mpp = 0.1 }));
        StringAssert.Contains(e.Message, "finer than level 0");
        Assert.ThrowsExactly<SlideReadException>(() => TileGrid.Plan(s, new GridOptions { Level = 9 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TileGrid.Plan(s, new GridOptions { Overlap = 256 }));
    }
}
