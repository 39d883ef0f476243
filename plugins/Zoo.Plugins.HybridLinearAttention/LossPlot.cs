using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Training-loss curves as PNG (ScottPlot): per-step loss (faint) and its moving average over 25 steps.</summary>
public static class LossPlot
{
    /// <summary>Moving average of the last <paramref name="window"/> values at every step.</summary>
    public static double[] Smooth(IReadOnlyList<double> curve, int window = 25)
    {
        var result = new double[curve.Count];
        double sum = 0;
        for (int i = 0; i < curve.Count; i++)
        {
            sum += curve[i];
            if (i >= window) sum -= curve[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>Writes one PNG with every curve (label, per-step loss); the file is replaced atomically.</summary>
    public static void Write(string path, string title, IReadOnlyList<(string Label, IReadOnlyList<double> Curve)> curves)
    {
        if (curves.Count == 0 || curves.Any(c => c.Curve.Count == 0)) throw new ArgumentException($"{path}: nothing to plot (a loss curve is empty).");
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int k = 0; k < curves.Count; k++)
        {
            var (label, curve) = curves[k];
            var color = palette.GetColor(k);
            var x = Enumerable.Range(1, curve.Count).Select(i => (double)i).ToArray();
            if (curves.Count == 1)
            {
                var raw = plt.Add.Scatter(x, curve.ToArray());
                raw.MarkerSize = 0;
                raw.LineWidth = 1;
                raw.Color = color.WithAlpha(0.3);
                raw.LegendText = "per step";
            }
            var smooth = plt.Add.Scatter(x, Smooth(curve));
            smooth.MarkerSize = 0;
            smooth.LineWidth = 2;
            smooth.Color = color;
            smooth.LegendText = curves.Count == 1 ? $"{label}, mean of 25 steps" : label;
        }
        plt.Title(title);
        plt.XLabel("step");
        plt.YLabel("cross-entropy (nats)");
        plt.Axes.SetLimitsY(0, Math.Min(curves.Max(c => c.Curve.Max()) * 1.05, 6));
        plt.ShowLegend();
        plt.Legend.Alignment = ScottPlot.Alignment.UpperRight;
        var bytes = plt.GetImageBytes(Math.Max(800, 9 * title.Length), 480, ScottPlot.ImageFormat.Png);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => fs.Write(bytes));
    }
}
