using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Data;

/// <summary>
/// The UCI optical digits (<c>data/digits/digits.csv[.gz]</c>): per line 64 integers 0..16 (an 8x8 image, row-major)
/// then the label 0..9, no header. The one reader every plugin uses (image classification, ViViT's moving digits,
/// Split-Digits). Malformed rows are errors naming the file, line and column.
/// </summary>
public sealed class DigitsCsv
{
    /// <summary>Image side (8).</summary>
    public const int Side = 8;

    /// <summary>Largest pixel value (16).</summary>
    public const int MaxValue = 16;

    /// <summary>Number of classes (10).</summary>
    public const int Classes = 10;

    /// <summary>The shipped file, relative to the repository root.</summary>
    public const string ShippedPath = "data/digits/digits.csv.gz";

    private DigitsCsv(string path, byte[][] pixels, int[] labels, int[] lines)
    {
        Path = path;
        Pixels = pixels;
        Labels = labels;
        Lines = lines;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Per row, the 8x8 values 0..16, row-major.</summary>
    public byte[][] Pixels { get; }

    /// <summary>Per row, the label 0..9.</summary>
    public int[] Labels { get; }

    /// <summary>Per row, its line number in the file (1-based).</summary>
    public int[] Lines { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>"0".."9".</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        Enumerable.Range(0, Classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Raw 8x8 values (0..16) of row <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Raw(int index) => Pixels[index];

    /// <summary>Is <paramref name="path"/> a digits CSV file (rather than an image folder)?</summary>
    public static bool LooksLikeDigits(string path) =>
        File.Exists(path) && (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ||
                              path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase));

    /// <summary>The shipped <c>data/digits/digits.csv.gz</c> (found through <see cref="ShippedData"/>), or null.</summary>
    public static string? FindShipped() => ShippedData.Find(ShippedPath);

    /// <summary>Reads <paramref name="path"/>, or the shipped file when null (error when it cannot be found).</summary>
    public static DigitsCsv LoadOrShipped(string? path) =>
        Load(path ?? FindShipped() ?? ShippedData.Require(ShippedPath));

    /// <summary>Reads the CSV (gzip when the name ends in .gz).</summary>
    public static DigitsCsv Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: digits CSV not found.", path);
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        var lines = new List<int>();
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GZipStream(file, CompressionMode.Decompress) : file;
            var options = new CsvReaderOptions { HasHeader = false, Separator = ',', TrackLineNumbers = true };
            using var csv = CsvReader.Create(stream, options, false);
            while (csv.Read())
            {
                int line = (int)csv.LineNumber;
                if (csv.FieldCount != Side * Side + 1)
                    throw new InvalidDataException(
                        $"{path}: line {line} has {csv.FieldCount} values, expected {Side * Side + 1} (64 pixels and a label).");
                var px = new byte[Side * Side];
                for (int c = 0; c < px.Length; c++) px[c] = (byte)Parse(path, line, c, csv.GetString(c), MaxValue);
                labels.Add(Parse(path, line, Side * Side, csv.GetString(Side * Side), Classes - 1));
                pixels.Add(px);
                lines.Add(line);
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException or InvalidOperationException or InvalidDataException
                                   && !ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: cannot read the CSV ({ex.Message}).", ex);
        }
        if (labels.Count == 0) throw new InvalidDataException($"{path}: no rows.");
        return new DigitsCsv(path, pixels.ToArray(), labels.ToArray(), lines.ToArray());
    }

    private static int Parse(string path, int line, int column, string text, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: '{text}' is not an integer.");
        if (v < 0 || v > max)
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: {v} is outside 0..{max}.");
        return v;
    }

    /// <summary>A stratified split: per class, a seeded shuffle, the first <paramref name="testFraction"/> to test.</summary>
    public (int[] Train, int[] Test) StratifiedSplit(double testFraction, long seed)
    {
        if (testFraction <= 0 || testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), "test fraction must be in (0, 1).");
        var rng = new Random((int)seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var g in Enumerable.Range(0, Count).GroupBy(i => Labels[i]).OrderBy(g => g.Key))
        {
            var idx = g.ToArray();
            rng.Shuffle(idx);
            int nTest = (int)Math.Round(idx.Length * testFraction);
            test.AddRange(idx.Take(nTest));
            train.AddRange(idx.Skip(nTest));
        }
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>
    /// Rows <paramref name="indices"/> as model input [n, C, H, W]: value/16 in [0, 1], grey copied to every channel,
    /// bilinear resize to the model's size (clamped to [0, 1]), then (x - mean) / std per channel.
    /// </summary>
    public LabeledData Slice(IReadOnlyList<int> indices, ImageInputSpec spec)
    {
        const int n = Side * Side;
        var raw = new float[indices.Count * n];
        var lab = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            var px = Pixels[indices[i]];
            for (int p = 0; p < n; p++) raw[i * n + p] = px[p] / (float)MaxValue;
            lab[i] = Labels[indices[i]];
        }
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(raw, [indices.Count, 1, Side, Side]);
        if (spec.Height != Side || spec.Width != Side)
            x = nn.functional.interpolate(x, [spec.Height, spec.Width], mode: InterpolationMode.Bilinear, align_corners: false)
                .clamp(0, 1);
        x = x.expand(-1, spec.Channels, -1, -1);
        var mean = torch.tensor(spec.Mean).view(1, -1, 1, 1);
        var std = torch.tensor(spec.Std).view(1, -1, 1, 1);
        x = ((x - mean) / std).contiguous();
        return new LabeledData(x.MoveToOuterDisposeScope(), torch.tensor(lab).MoveToOuterDisposeScope());
    }
}
