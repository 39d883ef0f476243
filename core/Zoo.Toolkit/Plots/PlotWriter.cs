using ScottPlot;
using Zoo.Core.Checkpoints;

namespace Zoo.Toolkit.Plots;

/// <summary>One line of a line plot: a name for the legend and its points.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>A series over x = 1..n (epochs, steps).</summary>
    public static Series Of(string name, IReadOnlyList<double> y) => new(name, Enumerable.Range(1, y.Count).Select(i => (double)i).ToArray(), y);
}

/// <summary>
/// Every PNG a model writes goes through here (ScottPlot 5): line plots (loss curves, forecasts, accuracy against
/// context size), heat maps (accuracy matrices, attention) and confusion matrices. Each plot has a title and
/// labelled axes (required arguments), and is written atomically (temp file, then rename).
/// </summary>
public static class PlotWriter
{
    /// <summary>Lines (NaN and infinite points are dropped); <paramref name="dateX"/> reads x as OLE dates.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series,
        bool dateX = false, bool logY = false, int width = 900, int height = 450)
    {
        var plt = new Plot();
        int n = 0;
        foreach (var s in series)
        {
            var pts = s.X.Zip(s.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!logY || p.Second > 0)).ToArray();
            if (pts.Length == 0) continue;
            var sc = plt.Add.Scatter(pts.Select(p => p.First).ToArray(), pts.Select(p => logY ? Math.Log10(p.Second) : p.Second).ToArray());
            sc.LegendText = s.Name;
            sc.MarkerSize = pts.Length > 60 ? 0 : 4;
            sc.LineWidth = 2;
            n++;
        }
        if (dateX) plt.Axes.DateTimeTicksBottom();
        if (logY)
        {
            plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => Math.Pow(10, v).ToString("G3", System.Globalization.CultureInfo.InvariantCulture) };
        }
        Finish(plt, title, xLabel, yLabel, n > 1);
        Save(plt, path, width, height);
    }

    /// <summary>
    /// A heat map of <paramref name="values"/> [rows, columns] (NaN cells stay blank), with tick labels and, when
    /// <paramref name="annotate"/>, each value written in its cell.
    /// </summary>
    public static void Heatmap(string path, string title, string xLabel, string yLabel, double[,] values,
        IReadOnlyList<string>? columnLabels = null, IReadOnlyList<string>? rowLabels = null, bool annotate = true,
        string format = "0.00", string colorbarLabel = "", int? width = null, int? height = null)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var plt = new Plot();
        var hm = plt.Add.Heatmap(values);
        hm.Colormap = new ScottPlot.Colormaps.Viridis();
        hm.FlipVertically = false;
        var cb = plt.Add.ColorBar(hm);
        if (colorbarLabel.Length > 0) cb.Label = colorbarLabel;
        if (annotate && rows * cols <= 400)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var v in values) if (double.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    var v = values[r, c];
                    if (!double.IsFinite(v)) continue;
                    var t = plt.Add.Text(v.ToString(format, System.Globalization.CultureInfo.InvariantCulture), c, rows - 1 - r);
                    t.LabelAlignment = Alignment.MiddleCenter;
                    t.LabelFontSize = rows * cols > 100 ? 9 : 12;
                    t.LabelFontColor = max > min && (v - min) / (max - min) > 0.6 ? Colors.Black : Colors.White;
                }
        }
        plt.Axes.Bottom.TickGenerator = Ticks(columnLabels ?? Enumerable.Range(0, cols).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), i => i);
        plt.Axes.Left.TickGenerator = Ticks(rowLabels ?? Enumerable.Range(0, rows).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), i => rows - 1 - i);
        Finish(plt, title, xLabel, yLabel, legend: false);
        Save(plt, path, width ?? Math.Clamp(160 + 48 * cols, 480, 1400), height ?? Math.Clamp(140 + 40 * rows, 400, 1200));
    }

    /// <summary>
    /// A raster (a mask, a probability or density map) over [0, <paramref name="xMax"/>] × [0, <paramref name="yMax"/>] in
    /// data units (e.g. level-0 pixels of a slide), in image orientation: row 0 at the top, y growing downward. Colours span
    /// [<paramref name="min"/>, <paramref name="max"/>]; NaN cells stay blank. The plot keeps the raster's aspect ratio.
    /// </summary>
    public static void Raster(string path, string title, string xLabel, string yLabel, double[,] values, double xMax, double yMax,
        double min = 0, double max = 1, string colorbarLabel = "", bool grayscale = false, int width = 900)
    {
        var plt = new Plot();
        var hm = plt.Add.Heatmap(values);
        hm.Colormap = grayscale ? new ScottPlot.Colormaps.Grayscale() : new ScottPlot.Colormaps.Viridis();
        hm.ManualRange = new ScottPlot.Range(min, max);
        hm.Rectangle = new CoordinateRect(0, xMax, 0, yMax);
        hm.FlipVertically = true; // with the inverted y axis below, row 0 lands at y = 0, the top
        var cb = plt.Add.ColorBar(hm);
        if (colorbarLabel.Length > 0) cb.Label = colorbarLabel;
        plt.Axes.SetLimits(0, xMax, 0, yMax);
        plt.Axes.InvertY();
        Finish(plt, title, xLabel, yLabel, legend: false);
        double aspect = xMax > 0 ? yMax / xMax : 1;
        Save(plt, path, width, (int)Math.Clamp(120 + (width - 200) * aspect, 300, 1600));
    }

    /// <summary>
    /// Grouped bars: one group per entry of <paramref name="groups"/> (x tick labels), one bar per series inside each
    /// group (legend); <c>series[k].Values[g]</c> is the height of series k in group g.
    /// </summary>
    public static void Bars(string path, string title, string xLabel, string yLabel, IReadOnlyList<string> groups,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series, double? yMax = null)
    {
        var plt = new Plot();
        int k = series.Count;
        for (int s = 0; s < k; s++)
        {
            var color = plt.Add.Palette.GetColor(s);
            var bars = groups.Select((_, g) => new Bar { Position = g * (k + 1) + s, Value = series[s].Values[g], FillColor = color }).ToArray();
            plt.Add.Bars(bars).LegendText = series[s].Name;
        }
        plt.Axes.Bottom.TickGenerator = Ticks(groups, g => g * (k + 1) + (k - 1) / 2.0);
        if (yMax is double top) plt.Axes.SetLimitsY(0, top);
        Finish(plt, title, xLabel, yLabel, legend: k > 1);
        Save(plt, path, Math.Clamp(200 + 40 * groups.Count * (k + 1), 480, 1400), 420);
    }

    /// <summary>A confusion matrix: counts[true, predicted], coloured by row-normalised rate, annotated with counts.</summary>
    public static void ConfusionMatrix(string path, string title, long[,] counts, IReadOnlyList<string> labels)
    {
        int k = counts.GetLength(0);
        var rate = new double[k, k];
        for (int r = 0; r < k; r++)
        {
            double sum = 0;
            for (int c = 0; c < k; c++) sum += counts[r, c];
            for (int c = 0; c < k; c++) rate[r, c] = sum > 0 ? counts[r, c] / sum : double.NaN;
        }
        Heatmap(path, title, "predicted class", "true class", rate, labels, labels, annotate: true, format: "0.00", colorbarLabel: "fraction of the true class");
    }

    private static ScottPlot.TickGenerators.NumericManual Ticks(IReadOnlyList<string> labels, Func<int, double> position)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < labels.Count; i++) ticks.AddMajor(position(i), labels[i]);
        return ticks;
    }

    private static void Finish(Plot plt, string title, string xLabel, string yLabel, bool legend)
    {
        if (string.IsNullOrWhiteSpace(title) || string.IsNullOrWhiteSpace(xLabel) || string.IsNullOrWhiteSpace(yLabel))
            throw new ArgumentException("A plot needs a title and both axis labels.");
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        if (legend) plt.ShowLegend();
    }

    private static void Save(Plot plt, string path, int width, int height)
    {
        var bytes = plt.GetImageBytes(width, height, ImageFormat.Png);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => fs.Write(bytes));
    }
}
