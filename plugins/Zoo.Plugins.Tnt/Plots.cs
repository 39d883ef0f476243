using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// PNG plots drawn with ImageSharp pixels (no font or plotting dependency): the confusion matrix of <c>zoo eval</c> and
/// the training curves of <c>zoo train</c>. Numbers are drawn with a built-in 3x5 digit font.
/// </summary>
public static class Plots
{
    // 3x5 glyphs for 0-9 and '.', rows top to bottom, 3 bits each (MSB = left).
    private static readonly Dictionary<char, int[]> Glyphs = new()
    {
        ['0'] = [7, 5, 5, 5, 7], ['1'] = [2, 6, 2, 2, 7], ['2'] = [7, 1, 7, 4, 7], ['3'] = [7, 1, 7, 1, 7], ['4'] = [5, 5, 7, 1, 1],
        ['5'] = [7, 4, 7, 1, 7], ['6'] = [7, 4, 7, 5, 7], ['7'] = [7, 1, 1, 1, 1], ['8'] = [7, 5, 7, 5, 7], ['9'] = [7, 5, 7, 1, 7],
        ['.'] = [0, 0, 0, 0, 2],
    };

    private static void Text(Image<Rgb24> img, string s, int x, int y, int scale, Rgb24 color)
    {
        foreach (char ch in s)
        {
            if (Glyphs.TryGetValue(ch, out var rows))
                for (int r = 0; r < 5; r++)
                    for (int c = 0; c < 3; c++)
                        if ((rows[r] >> (2 - c) & 1) == 1) Fill(img, x + c * scale, y + r * scale, scale, scale, color);
            x += 4 * scale;
        }
    }

    private static int TextWidth(string s, int scale) => s.Length * 4 * scale - scale;

    private static void Fill(Image<Rgb24> img, int x, int y, int w, int h, Rgb24 color)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(img.Height, y + h); yy++)
            for (int xx = Math.Max(0, x); xx < Math.Min(img.Width, x + w); xx++) img[xx, yy] = color;
    }

    private static void Save(Image<Rgb24> img, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => img.SaveAsPng(fs));
    }

    /// <summary>Confusion matrix (rows: true class, columns: predicted; shade = row-normalised share; counts in the cells; class indices on the axes).</summary>
    public static void ConfusionMatrix(EvalResult result, string path)
    {
        int k = result.ClassNames.Count;
        int cell = Math.Clamp(640 / Math.Max(1, k), 8, 48), margin = 28;
        using var img = new Image<Rgb24>(margin + k * cell + 4, margin + k * cell + 4, new Rgb24(255, 255, 255));
        for (int i = 0; i < k; i++)
        {
            int rowTotal = Enumerable.Range(0, k).Sum(j => result.Confusion[i, j]);
            for (int j = 0; j < k; j++)
            {
                int n = result.Confusion[i, j];
                double f = rowTotal == 0 ? 0 : (double)n / rowTotal;
                var color = new Rgb24((byte)(255 - 225 * f), (byte)(255 - 185 * f), (byte)(255 - 75 * f));   // white -> dark blue
                int x = margin + j * cell, y = margin + i * cell;
                Fill(img, x, y, cell - 1, cell - 1, color);
                var label = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                int scale = cell >= 40 ? 2 : 1;
                if (n > 0 && TextWidth(label, scale) < cell - 2)
                    Text(img, label, x + (cell - TextWidth(label, scale)) / 2, y + (cell - 5 * scale) / 2, scale, f > 0.5 ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
            }
            var idx = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (TextWidth(idx, 2) < cell || i % 5 == 0)
            {
                Text(img, idx, margin - TextWidth(idx, 2) - 4, margin + i * cell + (cell - 10) / 2, 2, new Rgb24(0, 0, 0));   // true class (rows)
                Text(img, idx, margin + i * cell + (cell - TextWidth(idx, 2)) / 2, margin - 14, 2, new Rgb24(0, 0, 0));   // predicted class (columns)
            }
        }
        Save(img, path);
    }

    /// <summary>Training curves: per-epoch training loss (red, scaled to its maximum) and validation accuracy (blue, 0..1), with a 10% grid.</summary>
    public static void TrainingCurves(IReadOnlyList<EpochResult> history, string path)
    {
        const int w = 640, h = 360, m = 30;
        using var img = new Image<Rgb24>(w, h, new Rgb24(255, 255, 255));
        for (int g = 0; g <= 10; g++) Fill(img, m, m + (h - 2 * m) * g / 10, w - 2 * m, 1, new Rgb24(225, 225, 225));
        Fill(img, m, m, 1, h - 2 * m, new Rgb24(0, 0, 0));
        Fill(img, m, h - m, w - 2 * m, 1, new Rgb24(0, 0, 0));
        if (history.Count > 0)
        {
            double maxLoss = history.Max(e => double.IsFinite(e.TrainLoss) ? e.TrainLoss : 0);
            void Series(Func<EpochResult, double?> value, double scale, Rgb24 color)
            {
                (int X, int Y)? prev = null;
                for (int i = 0; i < history.Count; i++)
                {
                    var v = value(history[i]);
                    if (v is null || !double.IsFinite(v.Value)) continue;
                    int x = m + (history.Count == 1 ? (w - 2 * m) / 2 : (w - 2 * m) * i / (history.Count - 1));
                    int y = h - m - (int)((h - 2 * m) * Math.Clamp(v.Value / scale, 0, 1));
                    Fill(img, x - 2, y - 2, 5, 5, color);
                    if (prev is { } p)
                    {
                        int steps = Math.Max(Math.Abs(x - p.X), Math.Abs(y - p.Y));
                        for (int s = 0; s <= steps; s++) Fill(img, p.X + (x - p.X) * s / Math.Max(1, steps), p.Y + (y - p.Y) * s / Math.Max(1, steps), 2, 2, color);
                    }
                    prev = (x, y);
                }
            }
            Series(e => e.TrainLoss, maxLoss > 0 ? maxLoss : 1, new Rgb24(200, 30, 30));
            Series(e => e.ValAccuracy, 1, new Rgb24(30, 60, 200));
            Text(img, maxLoss.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), 2, m - 12, 2, new Rgb24(200, 30, 30));
            Text(img, history.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), w - m - 10, h - m + 6, 2, new Rgb24(0, 0, 0));
        }
        Save(img, path);
    }
}
