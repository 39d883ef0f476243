using NetVips;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class TissueDetectorTests
{
    [TestMethod]
    public void Otsu_MatchesBruteForceWithinClassVariance()
    {
        var rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var hist = new int[256];
            for (int i = 0; i < 2000; i++) hist[Math.Clamp((int)(rnd.NextDouble() < 0.6 ? 20 + 8 * Normal(rnd) : 120 + 25 * Normal(rnd)), 0, 255)]++;
            int t = TissueDetector.Otsu(hist);
            // Brute force: the split minimising w0·var0 + w1·var1 (equivalent to Otsu's maximal between-class variance).
            double best = double.MaxValue; int bt = -1;
            for (int s = 0; s < 255; s++)
            {
                double n0 = 0, m0 = 0, n1 = 0, m1 = 0;
                for (int v = 0; v < 256; v++) { if (v <= s) { n0 += hist[v]; m0 += v * hist[v]; } else { n1 += hist[v]; m1 += v * hist[v]; } }
                if (n0 == 0 || n1 == 0) continue;
                m0 /= n0; m1 /= n1;
                double w = 0;
                for (int v = 0; v < 256; v++) w += hist[v] * (v <= s ? (v - m0) * (v - m0) : (v - m1) * (v - m1));
                if (w < best - 1e-6) { best = w; bt = s; }
            }
            Assert.AreEqual(bt, t, $"trial {trial}");
        }
    }

    [TestMethod]
    public void Otsu_TwoSpikes_SplitsBetweenThem()
    {
        var hist = new int[256];
        hist[10] = 100; hist[200] = 50;
        int t = TissueDetector.Otsu(hist);
        Assert.IsTrue(t >= 10 && t < 200, $"t={t}");
    }

    [TestMethod]
    public void Saturation_IsOpenCvHsvS()
    {
        byte[] rgb = [232, 168, 204, 241, 241, 244, 0, 0, 0, 255, 0, 0];
        var s = TissueDetector.Saturation(rgb, 4, 1);
        CollectionAssert.AreEqual(new byte[] { (232 - 168) * 255 / 232, 3 * 255 / 244, 0, 255 }, s);
    }

    [TestMethod]
    public void MedianClosingAndAreaFilters_HandComputedCases()
    {
        // Median removes an isolated bright pixel.
        var img = new byte[7 * 7];
        img[3 * 7 + 3] = 200;
        Assert.AreEqual(0, TissueDetector.MedianBlur(img, 7, 7, 3).Max());
        // Closing bridges a 1-px gap between two blocks.
        var m = new byte[10 * 5];
        for (int y = 1; y < 4; y++) { for (int x = 1; x < 4; x++) m[y * 10 + x] = 255; for (int x = 5; x < 8; x++) m[y * 10 + x] = 255; }
        var c = TissueDetector.Close(m, 10, 5, 3);
        Assert.AreEqual(255, c[2 * 10 + 4]);
        // A 2-px speck disappears, a 3x3 blob stays; a 1-px hole is filled.
        var a = new byte[12 * 12];
        a[0] = 255; a[1] = 255;
        for (int y = 5; y < 10; y++) for (int x = 5; x < 10; x++) a[y * 12 + x] = 255;
        a[7 * 12 + 7] = 0;
        TissueDetector.RemoveSmallRegions(a, 12, 12, 5, foreground: true);
        TissueDetector.RemoveSmallRegions(a, 12, 12, 5, foreground: false);
        Assert.AreEqual(0, a[0]);
        Assert.AreEqual(255, a[7 * 12 + 7]);
        Assert.AreEqual(25, a.Count(v => v == 255));
    }

    [TestMethod]
    public void MaskFraction_IsAreaWeighted()
    {
        // 4x2 mask, left half tissue; each mask pixel = 10x10 level-0 px.
        var d = new byte[] { 255, 255, 0, 0, 255, 255, 0, 0 };
        var m = new TissueMask(d, 4, 2, 10, 10, 0);
        Close.Within(0.5, m.TissueFraction, 1e-12, "tissue fraction");
        Close.Within(1.0, m.Fraction(0, 0, 20, 20), 1e-12, "fraction of (0, 0, 20, 20)");
        Close.Within(0.5, m.Fraction(10, 0, 20, 20), 1e-12, "fraction of (10, 0, 20, 20)");
        Close.Within(0.25, m.Fraction(15, 0, 20, 10), 1e-12, "fraction of (15, 0, 20, 10)");
        Close.Within(0.0, m.Fraction(100, 100, 20, 20), 1e-12, "fraction outside the mask");
    }

    [TestMethod]
    public void SyntheticSlide_DetectionReachesIoU90AndTheDesignedFraction()
    {
        var (path, truth) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        // The slide is ~1 mm wide: its smallest islands (~4000 µm²) are below the default speck size, so scale that down.
        var (mask, thumb) = TissueDetector.Detect(s, new TissueOptions { MaskMpp = 4, MinRegionUm2 = 1000, MaxHoleUm2 = 1000 });
        Assert.AreEqual(mask.Width * mask.Height * 3, thumb.Length);
        Assert.AreEqual(256, mask.Width); // 4096 px × 0.25 µm / 4 µm
        var t = truth.MaskAt(mask.Width, mask.Height);
        int inter = 0, union = 0;
        for (int i = 0; i < t.Length; i++)
        {
            bool a = mask.Data[i] != 0, b = t[i] != 0;
            if (a && b) inter++;
            if (a || b) union++;
        }
        double iou = (double)inter / union;
        Close.AtLeast(0.9, iou, $"IoU {iou:F3}");
        double truthFrac = t.Count(v => v != 0) / (double)t.Length;
        Close.Within(0.28, truthFrac, 0.03, "generator's designed tissue fraction");
        Close.Within(truthFrac, mask.TissueFraction, 0.03, "detected tissue fraction");
        // Otsu falls between glass (S≈3) and stroma (S≈70).
        Assert.IsTrue(mask.Threshold > 5 && mask.Threshold < 60, $"threshold {mask.Threshold}");
    }

    [TestMethod]
    public void FixedThreshold_IsUsedAsGiven()
    {
        var (path, _) = TestSlides.Small;
        using var s = SlideReader.Open(path);
        var (mask, _) = TissueDetector.Detect(s, new TissueOptions { Threshold = 20 });
        Assert.AreEqual(20, mask.Threshold);
        Close.Above(0.2, mask.TissueFraction, "tissue fraction");
    }

    [TestMethod]
    public void BlankGlass_GivesNoTissue()
    {
        var dir = TestSlides.NewDir("blank");
        var p = Path.Combine(dir, "blank.tif");
        using (var noise = Image.Gaussnoise(1024, 768, mean: 0, sigma: 1.2, seed: 4))
        using (var img = (noise.Bandjoin(noise, noise) + new double[] { 241, 241, 244 }).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb))
            img.Tiffsave(p, compression: Enums.ForeignTiffCompression.Jpeg, tile: true, pyramid: true, xres: 4000, yres: 4000, resunit: Enums.ForeignTiffResunit.Cm);
        using var s = SlideReader.Open(p);
        var (mask, _) = TissueDetector.Detect(s);
        Close.Below(0.01, mask.TissueFraction, "tissue fraction of blank glass");
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
