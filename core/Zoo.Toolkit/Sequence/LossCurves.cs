using Zoo.Toolkit.Plots;

namespace Zoo.Toolkit.Sequence;

/// <summary>
/// Per-step training-loss curves of the language models as PNGs (through <see cref="PlotWriter"/>): one curve is drawn
/// raw and as its moving average; several curves (runs, or training stages laid end to end) are drawn smoothed.
/// </summary>
public static class LossCurves
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

    /// <summary>One PNG with every (label, per-step loss) curve, each over its own steps 1..n.</summary>
    public static void Write(string path, string title, IReadOnlyList<(string Label, IReadOnlyList<double> Curve)> curves,
        string yLabel = "cross-entropy (nats)")
    {
        if (curves.Count == 0 || curves.Any(c => c.Curve.Count == 0)) throw new ArgumentException($"{path}: nothing to plot (a loss curve is empty).");
        var series = new List<Series>();
        if (curves.Count == 1) series.Add(Series.Of("per step", curves[0].Curve));
        foreach (var (label, curve) in curves)
            series.Add(Series.Of(curves.Count == 1 ? $"{label}, mean of 25 steps" : label, Smooth(curve)));
        PlotWriter.Lines(path, title, "step", yLabel, series);
    }

    /// <summary>
    /// Stages trained one after the other (e.g. backbone alone, then HMT stage 1, stage 2) on one step axis: each stage's
    /// curve starts where the previous one ended. Empty stages are skipped.
    /// </summary>
    public static void WriteStages(string path, string title, IReadOnlyList<(string Label, IReadOnlyList<double> Curve)> stages,
        string yLabel = "cross-entropy (nats)")
    {
        var series = new List<Series>();
        int offset = 0;
        foreach (var (label, curve) in stages)
        {
            if (curve.Count == 0) continue;
            var x = Enumerable.Range(offset + 1, curve.Count).Select(i => (double)i).ToArray();
            series.Add(new Series(label, x, curve));
            offset += curve.Count;
        }
        if (series.Count == 0) throw new ArgumentException($"{path}: nothing to plot (every stage is empty).");
        PlotWriter.Lines(path, title, "step", yLabel, series);
    }
}
