using NetVips;
using Zoo.Plugins.WholeSlide;
namespace Zoo.Plugins.WholeSlide.Tests;
[TestClass]
public sealed class DebugDump
{
    [TestMethod]
    public void Dump()
    {
        if (Environment.GetEnvironmentVariable("WSI_DUMP") is not { } d) return;
        Directory.CreateDirectory(d);
        var (path, truth) = TestSlides.Small;
        File.Copy(path, Path.Combine(d, "small.tif"), true);
        using var s = SlideReader.Open(path);
        var (mask, thumb) = TissueDetector.Detect(s, new TissueOptions { MaskMpp = 4 });
        var t = truth.MaskAt(mask.Width, mask.Height);
        Image.NewFromMemory(t, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar).Pngsave(Path.Combine(d, "truth.png"));
        Image.NewFromMemory(mask.Data, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar).Pngsave(Path.Combine(d, "mask.png"));
        Image.NewFromMemory(thumb, mask.Width, mask.Height, 3, Enums.BandFormat.Uchar).Pngsave(Path.Combine(d, "thumb.png"));
        var sat = TissueDetector.Saturation(thumb, mask.Width, mask.Height);
        Image.NewFromMemory(sat, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar).Pngsave(Path.Combine(d, "sat.png"));
        File.WriteAllText(Path.Combine(d, "info.txt"), $"thr {mask.Threshold} frac {mask.TissueFraction} truth {t.Count(v => v != 0) / (double)t.Length}");
    }
}
