using SixLabors.ImageSharp;
using Zoo.Toolkit.Plots;

namespace Zoo.Toolkit.Tests;

[TestClass]
public sealed class PlotWriterTests
{
    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"zoo-plot-{Guid.NewGuid():N}", name);

    [TestMethod]
    public void Lines_WritesAPngOfTheAskedSize_DroppingNonFinitePoints()
    {
        var path = Temp("loss.png");
        PlotWriter.Lines(path, "loss", "epoch", "MSE", [Series.Of("train", [3, 2, double.NaN, 1]), Series.Of("val", [4, 3, 2.5, double.PositiveInfinity])], width: 640, height: 320);
        using var img = Image.Load(path);
        Assert.AreEqual(640, img.Width);
        Assert.AreEqual(320, img.Height);
        Assert.IsFalse(Directory.EnumerateFiles(Path.GetDirectoryName(path)!).Any(f => f != path), "no temporary file is left beside the PNG");
    }

    [TestMethod]
    public void EveryPlotNeedsATitleAndBothAxisLabels()
    {
        Assert.ThrowsExactly<ArgumentException>(() => PlotWriter.Lines(Temp("a.png"), "", "x", "y", [Series.Of("s", [1.0])]));
        Assert.ThrowsExactly<ArgumentException>(() => PlotWriter.Lines(Temp("a.png"), "t", "x", " ", [Series.Of("s", [1.0])]));
        Assert.ThrowsExactly<ArgumentException>(() => PlotWriter.Heatmap(Temp("h.png"), "t", "", "y", new double[2, 2]));
    }

    [TestMethod]
    public void ConfusionMatrixAndHeatmap_AreWritten_WithNaNCellsLeftBlank()
    {
        var cm = Temp("cm.png");
        PlotWriter.ConfusionMatrix(cm, "digits", new long[,] { { 5, 1, 0 }, { 0, 6, 0 }, { 0, 0, 0 } }, ["0", "1", "2"]);
        using (var img = Image.Load(cm)) Assert.IsGreaterThan(300, img.Width);
        var hm = Temp("acc.png");
        PlotWriter.Heatmap(hm, "accuracy matrix", "task evaluated", "after learning task", new double[,] { { 0.9, double.NaN }, { 0.5, 0.8 } });
        Assert.IsTrue(File.Exists(hm));
    }
}
