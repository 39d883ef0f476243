using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Continual;

/// <summary>
/// The UCI optical digits file (data/digits/digits.csv[.gz]): per line 64 integers 0..16 (8x8 image, row-major) and the
/// label 0..9. Read here (not through the TNT plugin) so this plugin has no compile-time tie to a model plugin.
/// </summary>
public sealed class DigitsFile
{
    public const int Side = 8;
    public const int MaxValue = 16;

    private DigitsFile(string path, byte[] pixels, int[] labels)
    {
        Path = path;
        Pixels = pixels;
        Labels = labels;
    }

    public string Path { get; }

    /// <summary>[N * 64] raw values 0..16.</summary>
    public byte[] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>data/digits/digits.csv.gz above the working directory or this assembly, or null.</summary>
    public static string? FindShipped()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(typeof(DigitsFile).Assembly.Location) ?? "." })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var p = System.IO.Path.Combine(dir.FullName, "data", "digits", "digits.csv.gz");
                if (File.Exists(p)) return p;
            }
        return null;
    }

    /// <summary>Reads the CSV (gzip when the name ends in .gz); malformed rows name the file, line and column.</summary>
    public static DigitsFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: digits CSV not found.", path);
        var pixels = new List<byte>();
        var labels = new List<int>();
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var options = new CsvReaderOptions { HasHeader = false, Separator = ',', TrackLineNumbers = true };
            using var csv = CsvReader.Create(stream, options, false);
            while (csv.Read())
            {
                int line = (int)csv.LineNumber;
                if (csv.FieldCount != Side * Side + 1)
                    throw new InvalidDataException($"{path}: line {line} has {csv.FieldCount} values, expected {Side * Side + 1} (64 pixels and a label).");
                for (int c = 0; c < Side * Side; c++) pixels.Add((byte)Parse(path, line, c, csv.GetString(c), MaxValue));
                labels.Add(Parse(path, line, Side * Side, csv.GetString(Side * Side), 9));
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException or InvalidOperationException && !ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: cannot read the CSV ({ex.Message}).", ex);
        }
        if (labels.Count == 0) throw new InvalidDataException($"{path}: no rows.");
        return new DigitsFile(path, pixels.ToArray(), labels.ToArray());
    }

    private static int Parse(string path, int line, int column, string text, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: '{text}' is not an integer.");
        if (v < 0 || v > max)
            throw new InvalidDataException($"{path}: line {line}, column {column + 1}: {v} is outside 0..{max}.");
        return v;
    }

    /// <summary>
    /// Images <paramref name="indices"/> as model input [n, C, H, W]: value/16 in [0, 1], grey copied to every channel,
    /// bilinear resize to the model's size, then (x - mean) / std per channel (the backbone's <see cref="ImageInputSpec"/>).
    /// </summary>
    public LabeledData Slice(IReadOnlyList<int> indices, ImageInputSpec spec)
    {
        var raw = new float[indices.Count * Side * Side];
        var lab = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int k = indices[i];
            for (int p = 0; p < Side * Side; p++) raw[i * Side * Side + p] = Pixels[k * Side * Side + p] / (float)MaxValue;
            lab[i] = Labels[k];
        }
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(raw, [indices.Count, 1, Side, Side]);
        if (spec.Height != Side || spec.Width != Side)
            x = nn.functional.interpolate(x, [spec.Height, spec.Width], mode: InterpolationMode.Bilinear, align_corners: false).clamp(0, 1);
        x = x.expand(-1, spec.Channels, -1, -1);
        var mean = torch.tensor(spec.Mean).view(1, -1, 1, 1);
        var std = torch.tensor(spec.Std).view(1, -1, 1, 1);
        x = ((x - mean) / std).contiguous();
        return new LabeledData(x.MoveToOuterDisposeScope(), torch.tensor(lab).MoveToOuterDisposeScope());
    }

    /// <summary>A stratified split: per class, a seeded shuffle, the first <paramref name="testFraction"/> to test.</summary>
    public (int[] Train, int[] Test) StratifiedSplit(double testFraction, long seed)
    {
        if (testFraction <= 0 || testFraction >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), "test fraction must be in (0, 1).");
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
}

/// <summary>Options of the Split-Digits benchmarks.</summary>
public sealed record SplitDigitsOptions
{
    public int Tasks { get; init; } = 5;
    public int ClassesPerTask { get; init; } = 2;
    public double TestFraction { get; init; } = 0.2;
    public long Seed { get; init; }
    /// <summary>Class order (null: 0..9 as in Split MNIST's {0,1},{2,3},...).</summary>
    public IReadOnlyList<int>? ClassOrder { get; init; }
}

/// <summary>
/// Split-Digits: the UCI digits split into <c>Tasks</c> tasks of <c>ClassesPerTask</c> classes ({0,1},{2,3},...,{8,9}),
/// the CI stand-in for Split MNIST (Avalanche SplitMNIST(5), Mammoth seq-mnist). Labels stay global (0..9) so the same
/// stream serves class-incremental (one head, no task id) and task-incremental (task id given, logits masked) runs.
/// </summary>
public static class SplitDigits
{
    public static IReadOnlyList<ContinualTask> Build(DigitsFile digits, ImageInputSpec spec, SplitDigitsOptions? options = null)
    {
        var o = options ?? new SplitDigitsOptions();
        var order = o.ClassOrder ?? Enumerable.Range(0, 10).ToArray();
        if (o.Tasks < 1 || o.ClassesPerTask < 1 || o.Tasks * o.ClassesPerTask > order.Count)
            throw new ArgumentException($"Split-Digits: {o.Tasks} tasks x {o.ClassesPerTask} classes do not fit the {order.Count} classes.");
        var (train, test) = digits.StratifiedSplit(o.TestFraction, o.Seed);
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < o.Tasks; t++)
        {
            var classes = order.Skip(t * o.ClassesPerTask).Take(o.ClassesPerTask).ToArray();
            var set = classes.ToHashSet();
            var tr = train.Where(i => set.Contains(digits.Labels[i])).ToArray();
            var te = test.Where(i => set.Contains(digits.Labels[i])).ToArray();
            tasks.Add(new ContinualTask(t, $"digits {{{string.Join(",", classes)}}}", classes, digits.Slice(tr, spec), digits.Slice(te, spec)));
        }
        return tasks;
    }

    /// <summary>The whole data set as one train/test split (for training the model that is later asked to forget).</summary>
    public static (LabeledData Train, LabeledData Test) Full(DigitsFile digits, ImageInputSpec spec, double testFraction = 0.2, long seed = 0)
    {
        var (train, test) = digits.StratifiedSplit(testFraction, seed);
        return (digits.Slice(train, spec), digits.Slice(test, spec));
    }

    /// <summary>Rows of <paramref name="data"/> whose label is (or is not) in <paramref name="classes"/>.</summary>
    public static LabeledData Select(LabeledData data, IReadOnlyCollection<int> classes, bool keep)
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.zeros(data.Count, dtype: ScalarType.Bool);
        foreach (var c in classes) mask = mask.logical_or(data.Labels.eq(c));
        if (!keep) mask = mask.logical_not();
        var idx = mask.nonzero().squeeze(1);
        return new LabeledData(data.Inputs.index_select(0, idx).MoveToOuterDisposeScope(), data.Labels.index_select(0, idx).MoveToOuterDisposeScope());
    }
}
