using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// PNG plots drawn with SixLabors.ImageSharp pixels (no text: ImageSharp.Drawing/fonts and ScottPlot's SkiaSharp natives are
/// kept out of this plugin). Written atomically.
/// </summary>
public static class Plots
{
    /// <summary>Training loss (blue) and train/validation accuracy (green/orange) per epoch on a 0..1-scaled grid.</summary>
    public static void TrainingCurves(IReadOnlyList<VideoEpoch> history, string path, int width = 480, int height = 320)
    {
        if (history.Count == 0) return;
        using var img = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        int m = 24;
        Grid(img, m);
        double maxLoss = Math.Max(1e-9, history.Max(h => h.TrainLoss));
        Line(img, m, history.Select(h => h.TrainLoss / maxLoss).ToArray(), new Rgb24(31, 119, 180));
        Line(img, m, history.Select(h => h.TrainAccuracy).ToArray(), new Rgb24(44, 160, 44));
        if (history.All(h => h.ValAccuracy is not null))
            Line(img, m, history.Select(h => h.ValAccuracy!.Value).ToArray(), new Rgb24(255, 127, 14));
        AtomicFile.Write(path, fs => img.SaveAsPng(fs));
    }

    /// <summary>Row-normalised confusion matrix [true, predicted] as a white-to-blue heat map, 40 px per cell.</summary>
    public static void ConfusionMatrix(long[,] confusion, string path, int cell = 40)
    {
        int k = confusion.GetLength(0);
        using var img = new Image<Rgb24>(k * cell + 1, k * cell + 1, new Rgb24(128, 128, 128));
        for (int t = 0; t < k; t++)
        {
            long row = 0;
            for (int p = 0; p < k; p++) row += confusion[t, p];
            for (int p = 0; p < k; p++)
            {
                double v = row == 0 ? 0 : (double)confusion[t, p] / row;
                var c = new Rgb24((byte)(255 - 225 * v), (byte)(255 - 160 * v), (byte)(255 - 75 * v));
                for (int y = t * cell + 1; y < (t + 1) * cell; y++)
                    for (int x = p * cell + 1; x < (p + 1) * cell; x++) img[x, y] = c;
            }
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => img.SaveAsPng(fs));
    }

    private static void Grid(Image<Rgb24> img, int m)
    {
        var g = new Rgb24(225, 225, 225);
        for (int i = 0; i <= 4; i++)
        {
            int y = m + (img.Height - 2 * m) * i / 4;
            for (int x = m; x < img.Width - m; x++) img[x, y] = g;
        }
        for (int y = m; y < img.Height - m; y++) img[m, y] = new Rgb24(0, 0, 0);
        for (int x = m; x < img.Width - m; x++) img[x, img.Height - m] = new Rgb24(0, 0, 0);
    }

    private static void Line(Image<Rgb24> img, int m, double[] values, Rgb24 color)
    {
        int w = img.Width - 2 * m, h = img.Height - 2 * m, n = values.Length;
        (int X, int Y) P(int i) => (m + (n == 1 ? w / 2 : w * i / (n - 1)), m + (int)Math.Round(h * (1 - Math.Clamp(values[i], 0, 1))));
        for (int i = 0; i < n; i++)
        {
            var (x0, y0) = P(i);
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) Set(img, x0 + dx, y0 + dy, color);
            if (i == 0) continue;
            var (xa, ya) = P(i - 1);
            int steps = Math.Max(Math.Abs(x0 - xa), Math.Abs(y0 - ya)) + 1;
            for (int s = 0; s <= steps; s++)
            {
                int x = xa + (x0 - xa) * s / steps, y = ya + (y0 - ya) * s / steps;
                Set(img, x, y, color);
                Set(img, x, y + 1, color);
            }
        }
    }

    private static void Set(Image<Rgb24> img, int x, int y, Rgb24 c)
    {
        if (x >= 0 && y >= 0 && x < img.Width && y < img.Height) img[x, y] = c;
    }
}
