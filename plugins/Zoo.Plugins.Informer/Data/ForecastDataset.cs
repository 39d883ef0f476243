using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>How the rows of a file are split into train / validation / test.</summary>
public enum SplitScheme
{
    /// <summary>ETTh* files: the paper's 12/4/4 months (30-day months) of hourly rows; ETTm* files: the same span at 15 minutes; others: ratio.</summary>
    Auto,
    /// <summary>Borders [0, 8640, 11520, 14400] (hourly ETT).</summary>
    EttHour,
    /// <summary>Borders [0, 34560, 46080, 57600] (15-minute ETT).</summary>
    EttMinute,
    /// <summary>70% / 10% / 20% of the rows (the reference's Dataset_Custom).</summary>
    Ratio,
    /// <summary>No split (forecasting only): every row is usable; a scaler must be supplied.</summary>
    None,
}

/// <summary>What to read from a CSV and how to window it (the reference's data arguments).</summary>
public sealed record DataOptions
{
    public required string Path { get; init; }
    /// <summary>M (multivariate -> multivariate), S (univariate target -> target), MS (multivariate -> target).</summary>
    public string Features { get; init; } = "M";
    public string Target { get; init; } = "OT";
    public string Freq { get; init; } = "h";
    public string Embed { get; init; } = "timeF";
    public string DateColumn { get; init; } = "date";
    public int SeqLen { get; init; } = 96;
    public int LabelLen { get; init; } = 48;
    public int PredLen { get; init; } = 24;
    public SplitScheme Split { get; init; } = SplitScheme.Auto;
}

/// <summary>
/// A scaled series ready for windowing (the reference's Dataset_ETT_hour / Dataset_ETT_minute / Dataset_Custom): the columns
/// (target last), the scaler fitted on the training rows, the time features, and the split borders.
/// </summary>
public sealed class ForecastDataset
{
    private readonly float[] data;    // [rows, channels] scaled
    private readonly float[] marks;   // [rows, F]

    public ForecastDataset(DataOptions options, TimeSeriesTable? table = null, StandardScaler? scaler = null)
    {
        Options = options;
        Features = options.Features.ToUpperInvariant();
        if (Features is not ("M" or "S" or "MS"))
            throw new ArgumentException($"features must be M, S or MS, got '{options.Features}'.");
        if (options.SeqLen <= 0 || options.PredLen <= 0 || options.LabelLen < 0 || options.LabelLen > options.SeqLen)
            throw new ArgumentException($"Window lengths must satisfy seq_len > 0, pred_len > 0, 0 <= label_len " +
                $"<= seq_len (got {options.SeqLen}, {options.PredLen}, {options.LabelLen}).");
        Freq = TimeFeatures.NormalizeFreq(options.Freq);
        Table = table ?? TimeSeriesCsv.Read(options.Path, options.DateColumn, [options.Target]);
        int targetIndex = Table.ColumnIndex(options.Target);

        // Column order as Dataset_Custom: every other column in file order, the target last (ETT files already end with OT).
        ColumnIndices = Features == "S" ? [targetIndex]
            : Enumerable.Range(0, Table.Columns.Length).Where(i => i != targetIndex).Append(targetIndex).ToArray();
        Columns = ColumnIndices.Select(i => Table.Columns[i]).ToArray();

        (Borders1, Borders2, Scheme) = ComputeBorders(options, Table);
        var selected = ColumnIndices.Select(i => Table.Values[i]).ToArray();
        Scaler = scaler ?? (Scheme == SplitScheme.None
            ? throw new ArgumentException("SplitScheme.None needs the training scaler.")
            : StandardScaler.Fit(selected, Borders2[0]));
        if (Scaler.Mean.Length != Channels)
            throw new InvalidDataException($"{Table.Path}: the scaler has {Scaler.Mean.Length} columns but the " +
                $"data has {Channels} ({string.Join(", ", Columns)}).");

        int rows = Table.Rows;
        data = new float[rows * Channels];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < Channels; c++)
                data[r * Channels + c] = (float)Scaler.Transform(selected[c][r], c);
        MarkWidth = TimeFeatures.Count(options.Embed, Freq);
        marks = TimeFeatures.Encode(Table.Stamps, options.Embed, Freq);
    }

    public DataOptions Options { get; }
    public TimeSeriesTable Table { get; }
    public string Features { get; }
    public char Freq { get; }
    public SplitScheme Scheme { get; }
    public int[] ColumnIndices { get; }
    public string[] Columns { get; }
    public int Channels => ColumnIndices.Length;
    public int MarkWidth { get; }
    public StandardScaler Scaler { get; }

    /// <summary>Start rows of train/val/test (each split's windows begin seq_len rows before its first target row).</summary>
    public int[] Borders1 { get; }

    /// <summary>End rows (exclusive) of train/val/test.</summary>
    public int[] Borders2 { get; }

    /// <summary>Model input and output widths for the feature mode: (enc_in, dec_in, c_out).</summary>
    public (int EncIn, int DecIn, int COut) ModelWidths => Features switch
    {
        "M" => (Channels, Channels, Channels),
        "MS" => (Channels, Channels, 1),
        _ => (1, 1, 1),
    };

    private static (int[] B1, int[] B2, SplitScheme Scheme) ComputeBorders(DataOptions o, TimeSeriesTable table)
    {
        var scheme = o.Split;
        var name = System.IO.Path.GetFileName(table.Path);
        if (scheme == SplitScheme.Auto)
            scheme = name.StartsWith("ETTh", StringComparison.OrdinalIgnoreCase) ? SplitScheme.EttHour
                : name.StartsWith("ETTm", StringComparison.OrdinalIgnoreCase) ? SplitScheme.EttMinute
                : SplitScheme.Ratio;
        int n = table.Rows, s = o.SeqLen;
        int[] b1, b2;
        if (scheme == SplitScheme.None)
        {
            if (n < o.SeqLen)
                throw new InvalidDataException($"{table.Path}: too few rows: {n}, and one input window needs seq_len = {o.SeqLen} rows.");
            return ([0, 0, 0], [n, n, n], scheme);
        }
        if (scheme is SplitScheme.EttHour or SplitScheme.EttMinute)
        {
            int k = scheme == SplitScheme.EttHour ? 1 : 4;
            int month = 30 * 24 * k;
            b2 = [12 * month, 16 * month, 20 * month];
            b1 = [0, 12 * month - s, 16 * month - s];
            if (n < b2[2])
                throw new InvalidDataException($"{table.Path}: the ETT split ({(k == 1 ? "hourly" : "15-minute")}, " +
                    $"12/4/4 months) needs {b2[2]} rows, the file has {n}. Use the ratio split for other files.");
        }
        else
        {
            int numTrain = (int)(n * 0.7), numTest = (int)(n * 0.2), numVali = n - numTrain - numTest;
            b1 = [0, numTrain - s, n - numTest - s];
            b2 = [numTrain, numTrain + numVali, n];
        }
        string[] names = ["train", "val", "test"];
        for (int i = 0; i < 3; i++)
        {
            int windows = b2[i] - Math.Max(b1[i], 0) - o.SeqLen - o.PredLen + 1;
            if (b1[i] < 0 || windows < 1)
                throw new InvalidDataException($"{table.Path}: too few rows for one window in the {names[i]} " +
                    $"split: it spans rows {Math.Max(b1[i], 0)}..{b2[i] - 1} of {n}, and one window needs seq_len + pred_len = {o.SeqLen + o.PredLen} rows.");
        }
        return (b1, b2, scheme);
    }

    public ForecastSplit Split(string flag)
    {
        int i = flag switch
        {
            "train" => 0,
            "val" => 1,
            "test" => 2,
            _ => throw new ArgumentException($"Unknown split '{flag}': use train, val or test."),
        };
        return new ForecastSplit(this, flag, Borders1[i], Borders2[i]);
    }

    /// <summary>Scaled value at (row, channel).</summary>
    public float Scaled(int row, int channel) => data[row * Channels + channel];

    internal void CopyRows(int start, int count, Span<float> values, Span<float> timeMarks)
    {
        data.AsSpan(start * Channels, count * Channels).CopyTo(values);
        marks.AsSpan(start * MarkWidth, count * MarkWidth).CopyTo(timeMarks);
    }
}

/// <summary>One batch of windows: encoder input, its time marks, the decoder-side target window and its time marks.</summary>
public sealed class ForecastBatch : IDisposable
{
    public required Tensor X { get; init; }
    public required Tensor XMark { get; init; }
    /// <summary>[B, label_len + pred_len, C]: the start token and the horizon.</summary>
    public required Tensor Y { get; init; }
    public required Tensor YMark { get; init; }

    public void Dispose()
    {
        X.Dispose();
        XMark.Dispose();
        Y.Dispose();
        YMark.Dispose();
    }
}

/// <summary>
/// Sliding windows of one split: item i has seq_x = rows [i, i + seq_len) and seq_y = rows [i + seq_len - label_len,
/// i + seq_len + pred_len) relative to the split's first row.
/// </summary>
public sealed class ForecastSplit
{
    internal ForecastSplit(ForecastDataset dataset, string name, int begin, int end)
    {
        Dataset = dataset;
        Name = name;
        Begin = begin;
        End = end;
    }

    public ForecastDataset Dataset { get; }
    public string Name { get; }
    public int Begin { get; }
    public int End { get; }

    public int Count => End - Begin - Dataset.Options.SeqLen - Dataset.Options.PredLen + 1;

    /// <summary>Batches of the given window indices as tensors on <paramref name="device"/>.</summary>
    public ForecastBatch Batch(IReadOnlyList<int> indices, Device? device = null)
    {
        var o = Dataset.Options;
        int c = Dataset.Channels, f = Dataset.MarkWidth, ly = o.LabelLen + o.PredLen, b = indices.Count;
        var x = new float[b * o.SeqLen * c];
        var xm = new float[b * o.SeqLen * f];
        var y = new float[b * ly * c];
        var ym = new float[b * ly * f];
        for (int j = 0; j < b; j++)
        {
            int i = indices[j];
            if (i < 0 || i >= Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Window {i} is outside the {Name} split (0..{Count - 1}).");
            int s = Begin + i;
            Dataset.CopyRows(s, o.SeqLen, x.AsSpan(j * o.SeqLen * c, o.SeqLen * c), xm.AsSpan(j * o.SeqLen * f, o.SeqLen * f));
            Dataset.CopyRows(s + o.SeqLen - o.LabelLen, ly, y.AsSpan(j * ly * c, ly * c), ym.AsSpan(j * ly * f, ly * f));
        }
        var dev = device ?? CPU;
        return new ForecastBatch
        {
            X = tensor(x, [b, o.SeqLen, c]).to(dev),
            XMark = tensor(xm, [b, o.SeqLen, f]).to(dev),
            Y = tensor(y, [b, ly, c]).to(dev),
            YMark = tensor(ym, [b, ly, f]).to(dev),
        };
    }

    /// <summary>Batches of window indices: shuffled (train) or in order; drop_last as the reference does for every split; every stride-th window.</summary>
    public IEnumerable<int[]> Batches(int batchSize, bool shuffle, Random? rng = null, bool dropLast = true, int stride = 1)
    {
        var order = Enumerable.Range(0, (Count + stride - 1) / stride).Select(i => i * stride).ToArray();
        if (shuffle) (rng ?? Random.Shared).Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, order.Length - start);
            if (n < batchSize && dropLast) yield break;
            yield return order.AsSpan(start, n).ToArray();
        }
    }
}
