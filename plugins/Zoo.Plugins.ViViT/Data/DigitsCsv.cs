using System.Globalization;
using System.IO.Compression;
using CsvHelper;

namespace Zoo.Plugins.ViViT.Data;

/// <summary>
/// The UCI optical digits (data/digits/digits.csv[.gz]): per line 64 integers 0..16 (an 8x8 image, row-major) and the
/// label 0..9, no header. The raw material of the generated action clips. Malformed rows name the file, line and column.
/// </summary>
public sealed class DigitsCsv
{
    public const int Side = 8;

    private DigitsCsv(string path, byte[][] pixels, int[] labels)
    {
        Path = path;
        Pixels = pixels;
        Labels = labels;
    }

    public string Path { get; }

    /// <summary>8x8 values 0..16, row-major.</summary>
    public byte[][] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public static DigitsCsv Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: digits CSV not found.", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var options = new CsvReaderOptions { HasHeader = false, Separator = ',', TrackLineNumbers = true };
        var pixels = new List<byte[]>();
        var labels = new List<int>();
        try
        {
            using var csv = CsvReader.Create(stream, options, false);
            while (csv.Read())
            {
                int line = (int)csv.LineNumber;
                if (csv.FieldCount != Side * Side + 1)
                    throw new InvalidDataException($"{path}: line {line} has {csv.FieldCount} values, expected {Side * Side + 1} (64 pixels and a label).");
                var px = new byte[Side * Side];
                for (int c = 0; c < px.Length; c++) px[c] = (byte)Parse(path, line, c, csv.GetString(c), 16);
                labels.Add(Parse(path, line, Side * Side, csv.GetString(Side * Side), 9));
                pixels.Add(px);
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException)
        {
            throw new InvalidDataException($"{path}: cannot read the CSV ({ex.Message}).", ex);
        }
        if (labels.Count == 0) throw new InvalidDataException($"{path}: no rows.");
        return new DigitsCsv(path, pixels.ToArray(), labels.ToArray());
    }

    private static int Parse(string path, int line, int column, string text, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: '{text}' is not an integer.");
        if (v < 0 || v > max)
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: {v} is outside 0..{max}.");
        return v;
    }

    /// <summary>data/digits/digits.csv.gz above the working directory or this assembly, if any.</summary>
    public static string? FindShipped()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(typeof(DigitsCsv).Assembly.Location) ?? "." })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var p = System.IO.Path.Combine(dir.FullName, "data", "digits", "digits.csv.gz");
                if (File.Exists(p)) return p;
            }
        return null;
    }
}
