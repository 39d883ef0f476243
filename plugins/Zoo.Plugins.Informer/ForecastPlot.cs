using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Informer;

/// <summary>PNG plots (ScottPlot): forecast against history (and the truth when known), and loss curves.</summary>
public static class ForecastPlot
{
    public static void Forecast(string path, string title, string series,
        IReadOnlyList<DateTime> historyTime, IReadOnlyList<double> history,
        IReadOnlyList<DateTime> futureTime, IReadOnlyList<double> forecast, IReadOnlyList<double>? actual = null)
    {
        var plt = new ScottPlot.Plot();
        var h = plt.Add.Scatter(historyTime.Select(t => t.ToOADate()).ToArray(), history.ToArray());
        h.LegendText = "history";
        h.MarkerSize = 0;
        // Join the forecast to the last known point so the curve reads as a continuation.
        var fx = futureTime.Select(t => t.ToOADate()).Prepend(historyTime[^1].ToOADate()).ToArray();
        if (actual != null)
        {
            var a = plt.Add.Scatter(fx, actual.Prepend(history[^1]).ToArray());
            a.LegendText = "actual";
            a.MarkerSize = 0;
            a.Color = ScottPlot.Colors.Gray;
        }
        var f = plt.Add.Scatter(fx, forecast.Prepend(history[^1]).ToArray());
        f.LegendText = "Informer forecast";
        f.MarkerSize = 3;
        f.LineWidth = 2;
        f.Color = ScottPlot.Colors.OrangeRed;
        plt.Axes.DateTimeTicksBottom();
        plt.Title(title);
        plt.YLabel(series);
        plt.ShowLegend();
        plt.Legend.Alignment = ScottPlot.Alignment.UpperLeft;
        Save(plt, path, 1000, 450);
    }

    public static void Losses(string path, string title, IReadOnlyList<EpochResult> epochs)
    {
        var plt = new ScottPlot.Plot();
        var x = epochs.Select(e => (double)e.Epoch).ToArray();
        var t = plt.Add.Scatter(x, epochs.Select(e => e.TrainLoss).ToArray());
        t.LegendText = "train MSE";
        var v = plt.Add.Scatter(x, epochs.Select(e => e.ValLoss).ToArray());
        v.LegendText = "validation MSE";
        plt.Title(title);
        plt.XLabel("epoch");
        plt.YLabel("MSE (scaled)");
        plt.ShowLegend();
        plt.Legend.Alignment = ScottPlot.Alignment.UpperRight;
        Save(plt, path, Math.Max(700, 12 * title.Length), 450);
    }

    private static void Save(ScottPlot.Plot plt, string path, int width, int height)
    {
        var bytes = plt.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => fs.Write(bytes));
    }
}
