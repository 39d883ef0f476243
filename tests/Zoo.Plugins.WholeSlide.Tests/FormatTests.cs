using NetVips;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

/// <summary>Aperio-like and OME-TIFF-like files written with libvips (metadata in ImageDescription, pyramid in SubIFDs).</summary>
[TestClass]
public sealed class FormatTests
{
    private static Image Texture(int w, int h)
    {
        var noise = Image.Gaussnoise(w, h, mean: 180, sigma: 30, seed: 9);
        return noise.Bandjoin(noise, noise).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
    }

    [TestMethod]
    public void AperioDescription_MppAndMagnificationWinOverResolutionTags()
    {
        var dir = TestSlides.NewDir("aperio");
        var p = Path.Combine(dir, "slide.svs");
        using (var img = Texture(2048, 1024))
        using (var tagged = img.Mutate(m => m.Set(GValue.GStrType, "image-description", "Aperio Image Library v12.0.15\n2048x1024 (256x256) JPEG/RGB Q=70|AppMag = 20|MPP = 0.4990|ScanScope ID = SS1")))
            tagged.Tiffsave(p, compression: Enums.ForeignTiffCompression.Jpeg, tile: true, pyramid: true, xres: 72 / 25.4, yres: 72 / 25.4, resunit: Enums.ForeignTiffResunit.Inch);
        using var s = SlideReader.Open(p);
        Assert.AreEqual("aperio", s.Vendor);
        Close.Within(0.499, s.Mpp.Value!.Value, 1e-12, "mpp");
        Assert.AreEqual("aperio-mpp", s.Mpp.Source);
        Close.Within(20.0, s.ObjectivePower!.Value, 0, "objective power");
        var g = TileGrid.Plan(s, new GridOptions { Magnification = 10 });
        Assert.AreEqual(1, g.Level);
        Close.Within(2.0, g.Downsample, 0, "downsample");
        Close.Within(0.998, g.Mpp!.Value, 1e-9, "grid mpp");
    }

    [TestMethod]
    public void OmeTiff_SubIfdPyramidAndPhysicalSize()
    {
        var dir = TestSlides.NewDir("ome");
        var p = Path.Combine(dir, "slide.ome.tif");
        const string ome = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\"><Image ID=\"Image:0\"><Pixels ID=\"Pixels:0\" DimensionOrder=\"XYCZT\" Type=\"uint8\" SizeX=\"2048\" SizeY=\"1536\" SizeC=\"3\" SizeZ=\"1\" SizeT=\"1\" PhysicalSizeX=\"500\" PhysicalSizeXUnit=\"nm\" PhysicalSizeY=\"500\" PhysicalSizeYUnit=\"nm\" Interleaved=\"true\"/></Image></OME>";
        using (var img = Texture(2048, 1536))
        using (var tagged = img.Mutate(m => m.Set(GValue.GStrType, "image-description", ome)))
            tagged.Tiffsave(p, compression: Enums.ForeignTiffCompression.Jpeg, tile: true, pyramid: true, subifd: true);
        var tiff = TiffStructure.Read(p);
        Assert.IsGreaterThan(0, tiff.Directories[0].SubIfds.Count, "pyramid stored in SubIFDs");
        using var s = SlideReader.Open(p);
        Assert.AreEqual("ome-tiff", s.Vendor);
        Close.Within(0.5, s.Mpp.Value!.Value, 1e-12, "mpp");
        Assert.AreEqual("ome-physical-size-x", s.Mpp.Source);
        Assert.AreEqual(tiff.Directories[0].SubIfds.Count + 1, s.Levels.Count);
        Close.Within(2.0, s.Levels[1].Downsample, 0.01, "level 1 downsample");
        using var r = s.ReadRegion(2, 10, 10, 32, 32);
        Assert.AreEqual(32, r.WriteToMemory<byte>().Length / 96);
        Assert.AreEqual("slide", WholeSlideTiler.SlideName(p));
    }
}
