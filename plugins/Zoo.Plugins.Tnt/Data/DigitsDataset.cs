using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Plugins.Tnt.Data;

/// <summary>
/// The UCI optical digits (data/digits/digits.csv[.gz]): per line 64 integers 0..16 (an 8x8 image, row-major) then the
/// label 0..9, no header. Images are served as grey RGB (value * 255 / 16); the <see cref="ImageTransform"/> upsamples them
/// to the model's input size. Malformed rows are errors naming the file, line and column.
/// </summary>
public sealed class DigitsDataset : IImageSource
{
    public const int Side = 8;
    public const int MaxValue = 16;

    private readonly byte[][] _pixels;
    private readonly int[] _labels;
    private readonly int[] _lines;

    private DigitsDataset(string path, byte[][] pixels, int[] labels, int[] lines)
    {
        Path = path;
        _pixels = pixels;
        _labels = labels;
        _lines = lines;
    }

    public string Path { get; }

    public IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    public int Count => _labels.Length;

    public int Label(int index) => _labels[index];

    public string Name(int index) => $"{Path}:line {_lines[index]}";

    /// <summary>Raw 8x8 values (0..16) of item <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Raw(int index) => _pixels[index];

    public Image<Rgb24>? TryLoad(int index)
    {
        var img = new Image<Rgb24>(Side, Side);
        var px = _pixels[index];
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                byte v = (byte)Math.Round(px[y * Side + x] * 255.0 / MaxValue);
                img[x, y] = new Rgb24(v, v, v);
            }
        return img;
    }

    /// <summary>Is <paramref name="path"/> a digits CSV (rather than an image folder)?</summary>
    public static bool LooksLikeDigits(string path) =>
        File.Exists(path) && (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the CSV (gzip when the name ends in .gz).</summary>
    public static DigitsDataset Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: digits CSV not found.", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var options = new CsvReaderOptions { HasHeader = false, Separator = ',', TrackLineNumbers = true };
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        var lines = new List<int>();
        try
        {
            using var csv = CsvReader.Create(stream, options, false);
            while (csv.Read())
            {
                int line = (int)csv.LineNumber;
                if (csv.FieldCount != Side * Side + 1)
                    throw new InvalidDataException($"{path}: line {line} has {csv.FieldCount} values, expected {Side * Side + 1} (64 pixels and a label).");
                var px = new byte[Side * Side];
                for (int c = 0; c < Side * Side; c++)
                    px[c] = (byte)ParseInt(path, line, c, csv.GetString(c), 0, MaxValue);
                labels.Add(ParseInt(path, line, Side * Side, csv.GetString(Side * Side), 0, 9));
                pixels.Add(px);
                lines.Add(line);
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException || (ex is InvalidDataException && !ex.Message.StartsWith(path, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{path}: cannot read the CSV ({ex.Message}).", ex);
        }
        if (labels.Count == 0) throw new InvalidDataException($"{path}: no rows.");
        return new DigitsDataset(path, pixels.ToArray(), labels.ToArray(), lines.ToArray());
    }

    private static int ParseInt(string path, int line, int column, string text, int min, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: '{text}' is not an integer.");
        if (v < min || v > max)
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: {v} is outside {min}..{max}.");
        return v;
    }
}
