using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Core;
using Zoo.Toolkit.Data;

namespace Zoo.Plugins.ViViT.Data;

/// <summary>
/// A generated action data set from the UCI digits: each clip shows one handwritten digit (drawn at half the canvas
/// size) that moves right, left, down or up, or rotates clockwise or counter-clockwise. The action, not the digit, is the
/// label, so a model must compare frames: a single frame says nothing about the class. Rendering is an inverse affine
/// map with bilinear sampling of the 8x8 digit; start positions, start angles and digits are random per clip.
/// </summary>
public static class MovingDigits
{
    public static readonly string[] Actions = ["right", "left", "down", "up", "rotate_cw", "rotate_ccw"];

    /// <summary>One clip: <paramref name="frames"/> grey frames of <paramref name="size"/> x <paramref name="size"/> bytes.</summary>
    public static byte[][] Render(ReadOnlySpan<byte> digit, int action, int frames, int size, Random rng)
    {
        if (action < 0 || action >= Actions.Length) throw new ArgumentOutOfRangeException(nameof(action), action, $"Action must be 0..{Actions.Length - 1}.");
        if (frames < 2) throw new ArgumentOutOfRangeException(nameof(frames), frames, "A moving-digit clip needs at least 2 frames.");
        double glyph = size / 2.0;                     // digit side on the canvas
        double slack = size - glyph;                   // room to move
        double half = glyph / 2;
        double speed = 0.8 * slack / (frames - 1);     // px per frame for translations
        double travel = speed * (frames - 1);
        double cx0, cy0, dx = 0, dy = 0, angle0 = 0, dAngle = 0;
        double Pos(double room) => half + rng.NextDouble() * room;
        switch (action)
        {
            case 0: cx0 = half + rng.NextDouble() * (slack - travel); cy0 = Pos(slack); dx = speed; break;
            case 1: cx0 = size - half - rng.NextDouble() * (slack - travel); cy0 = Pos(slack); dx = -speed; break;
            case 2: cx0 = Pos(slack); cy0 = half + rng.NextDouble() * (slack - travel); dy = speed; break;
            case 3: cx0 = Pos(slack); cy0 = size - half - rng.NextDouble() * (slack - travel); dy = -speed; break;
            default:
                // Rotations stay near the centre so the rotated glyph stays on the canvas.
                cx0 = size / 2.0 + (rng.NextDouble() - 0.5) * slack * 0.5;
                cy0 = size / 2.0 + (rng.NextDouble() - 0.5) * slack * 0.5;
                angle0 = (rng.NextDouble() - 0.5) * Math.PI / 3;
                dAngle = (action == 4 ? 1 : -1) * Math.PI / 9;   // 20 degrees per frame (clockwise on screen: +)
                break;
        }
        var clip = new byte[frames][];
        for (int t = 0; t < frames; t++) clip[t] = RenderStill(digit, cx0 + dx * t, cy0 + dy * t, angle0 + dAngle * t, size);
        return clip;
    }

    /// <summary>One frame: the digit (half the canvas side) centred at (<paramref name="cx"/>, <paramref name="cy"/>),
    /// turned by <paramref name="angle"/> radians.</summary>
    public static byte[] RenderStill(ReadOnlySpan<byte> digit, double cx, double cy, double angle, int size)
    {
        double scale = size / 2.0 / DigitsCsv.Side;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        var img = new byte[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                // Inverse map: canvas -> glyph frame (rotate by -angle), then to digit pixel coordinates.
                double px = x + 0.5 - cx, py = y + 0.5 - cy;
                double u = (cos * px + sin * py) / scale + DigitsCsv.Side / 2.0 - 0.5;
                double v = (-sin * px + cos * py) / scale + DigitsCsv.Side / 2.0 - 0.5;
                img[y * size + x] = (byte)Math.Round(Math.Clamp(Bilinear(digit, u, v) * 255.0 / 16.0, 0, 255));
            }
        return img;
    }

    private static double Bilinear(ReadOnlySpan<byte> d, double u, double v)
    {
        int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
        double fx = u - x0, fy = v - y0;
        return (1 - fx) * (1 - fy) * At(d, x0, y0) + fx * (1 - fy) * At(d, x0 + 1, y0) + (1 - fx) * fy * At(d, x0, y0 + 1) + fx * fy * At(d, x0 + 1, y0 + 1);
    }

    private static double At(ReadOnlySpan<byte> d, int x, int y) =>
        x < 0 || y < 0 || x >= DigitsCsv.Side || y >= DigitsCsv.Side ? 0 : d[y * DigitsCsv.Side + x];

    /// <summary>Generates <paramref name="count"/> clips (classes balanced, shuffled) as raw frames and labels.</summary>
    public static (byte[][][] Clips, int[] Labels) GenerateRaw(DigitsCsv digits, int count, int frames, int size, int seed, int classes = 6)
    {
        if (classes < 2 || classes > Actions.Length)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, $"Between 2 and {Actions.Length} actions.");
        var rng = new Random(seed);
        var clips = new byte[count][][];
        var labels = new int[count];
        var order = Enumerable.Range(0, count).OrderBy(_ => rng.Next()).ToArray();
        for (int i = 0; i < count; i++)
        {
            int action = order[i] % classes;
            var digit = digits.Pixels[rng.Next(digits.Count)];
            clips[i] = Render(digit, action, frames, size, rng);
            labels[i] = action;
        }
        return (clips, labels);
    }

    /// <summary>Generates a ready data set for a spatial encoder's input spec (clips [N, n_t, C, H, W], normalised).</summary>
    public static VideoDataset Generate(DigitsCsv digits, int count, int frames, ImageInputSpec spec, int seed, int classes = 6)
    {
        if (spec.Height != spec.Width) throw new NotSupportedException($"Moving digits are square; the spatial encoder wants {spec.Width}x{spec.Height}.");
        var (clips, labels) = GenerateRaw(digits, count, frames, spec.Height, seed, classes);
        int c = spec.Channels, hw = spec.Height * spec.Width, per = c * hw;
        var data = new float[count * frames * per];
        for (int i = 0; i < count; i++)
            for (int t = 0; t < frames; t++)
            {
                var img = clips[i][t];
                int off = (i * frames + t) * per;
                for (int ch = 0; ch < c; ch++)
                    for (int p = 0; p < hw; p++)
                        data[off + ch * hw + p] = (img[p] / 255f - spec.Mean[ch]) / spec.Std[ch];
            }
        return VideoDataset.FromArrays(data, labels, frames, spec, Actions.Take(classes).ToArray(), $"moving digits ({count} clips, seed {seed})");
    }

    /// <summary>Writes generated clips as animated GIFs, one folder per action (the clip-folder layout the commands read).</summary>
    public static void SaveGifs(string root, byte[][][] clips, int[] labels, int frameDelayCentiseconds = 10)
    {
        for (int i = 0; i < clips.Length; i++)
        {
            var dir = Path.Combine(root, Actions[labels[i]]);
            Directory.CreateDirectory(dir);
            WriteGif(Path.Combine(dir, $"clip{i:D4}.gif"), clips[i], frameDelayCentiseconds);
        }
    }

    /// <summary>Writes one grey clip as an animated GIF (atomically).</summary>
    public static void WriteGif(string path, byte[][] frames, int frameDelayCentiseconds = 10)
    {
        int size = (int)Math.Sqrt(frames[0].Length);
        using var gif = new Image<Rgb24>(size, size);
        for (int t = 0; t < frames.Length; t++)
        {
            using var frame = new Image<Rgb24>(size, size);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    byte g = frames[t][y * size + x];
                    frame[x, y] = new Rgb24(g, g, g);
                }
            var added = t == 0 ? gif.Frames.RootFrame : gif.Frames.AddFrame(frame.Frames.RootFrame);
            if (t == 0)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++) gif[x, y] = frame[x, y];
            added.Metadata.GetGifMetadata().FrameDelay = frameDelayCentiseconds;
        }
        gif.Metadata.GetGifMetadata().RepeatCount = 0;
        Zoo.Core.Checkpoints.AtomicFile.Write(path, fs => gif.SaveAsGif(fs));
    }
}
