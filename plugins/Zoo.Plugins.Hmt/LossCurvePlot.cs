using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// The training curves of <c>zoo train hmt</c> as a PNG drawn with ImageSharp pixels (no font dependency): stage 0 (backbone
/// alone) grey, stage 1 (no recall) blue, stage 2 (recall) red, one after the other on a shared loss axis from 0 to the
/// largest loss; a light grid line every 1.0 of loss.
/// </summary>
public static class LossCurvePlot
{
    public static void Save(string path, IReadOnlyList<IReadOnlyList<double>> stages, int width = 900, int height = 400)
    {
        var colors = new[] { new Rgb24(120, 120, 120), new Rgb24(40, 90, 200), new Rgb24(210, 50, 40), new Rgb24(40, 160, 60) };
        var total = Math.Max(2, stages.Sum(s => s.Count));
        var max = Math.Max(1e-6, stages.SelectMany(s => s).Where(double.IsFinite).DefaultIfEmpty(1).Max());
        const int pad = 30;
        using var img = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        int X(int i) => pad + (int)((width - 2.0 * pad) * i / (total - 1));
        int Y(double v) => height - pad - (int)((height - 2.0 * pad) * Math.Clamp(v / max, 0, 1));
        void Dot(int x, int y, Rgb24 c)
        {
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (x + dx >= 0 && x + dx < width && y + dy >= 0 && y + dy < height) img[x + dx, y + dy] = c;
        }
        for (double g = 1; g < max; g += 1)
            for (int x = pad; x < width - pad; x++) img[x, Y(g)] = new Rgb24(225, 225, 225);
        for (int x = pad; x < width - pad; x++) img[x, height - pad] = new Rgb24(0, 0, 0);
        for (int y = pad; y <= height - pad; y++) img[pad, y] = new Rgb24(0, 0, 0);
        int offset = 0;
        for (int s = 0; s < stages.Count; s++)
        {
            var c = colors[s % colors.Length];
            for (int i = 0; i < stages[s].Count; i++)
            {
                if (!double.IsFinite(stages[s][i])) continue;
                var (x0, y0) = (X(offset + i), Y(stages[s][i]));
                Dot(x0, y0, c);
                if (i + 1 < stages[s].Count && double.IsFinite(stages[s][i + 1]))
                {
                    var (x1, y1) = (X(offset + i + 1), Y(stages[s][i + 1]));
                    var n = Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0));
                    for (int k = 1; k < n; k++) Dot(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n, c);
                }
            }
            offset += stages[s].Count;
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, fs => img.SaveAsPng(fs));
    }
}
