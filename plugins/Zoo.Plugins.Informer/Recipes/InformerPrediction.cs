using System.Globalization;
using System.Text;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Plots;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>A forecast in original units: the horizon after <see cref="EndRow"/>, with history (and the truth when the file has it).</summary>
public sealed record ForecastResult(
    string[] Channels, DateTime[] HistoryTime, double[][] History, DateTime[] FutureTime, double[][] Forecast, double[][]? Actual, int EndRow);

/// <summary>Forecasts the horizon after a point of the series (default: past the end of the file, as the reference's Dataset_Pred).</summary>
public static class InformerPrediction
{
    /// <summary>endRow: rows [endRow - seq_len, endRow) are the input; null = the last seq_len rows of the file.</summary>
    public static ForecastResult Predict(InformerModel model, ForecastDataset data, Device device, int? endRow = null)
    {
        var o = data.Options;
        var table = data.Table;
        int end = endRow ?? table.Rows;
        if (end < o.SeqLen || end > table.Rows)
            throw new ArgumentException($"{table.Path}: cannot forecast after row {end}: needs {o.SeqLen} rows of history and at most {table.Rows} rows.");
        int c = data.Channels, f = data.MarkWidth, seq = o.SeqLen, pred = o.PredLen, label = o.LabelLen;

        var x = new float[seq * c];
        var xm = new float[seq * f];
        data.CopyRows(end - seq, seq, x, xm);
        var historyTime = table.Stamps[(end - seq)..end];
        var futureTime = end + pred <= table.Rows
            ? table.Stamps[end..(end + pred)]
            : TimeFeatures.Future(table.Stamps[end - 1], table.TypicalStep(), data.Freq, pred).ToArray();
        var fm = TimeFeatures.Encode(futureTime, o.Embed, data.Freq);

        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var xt = tensor(x, [1, seq, c]).to(device);
        var xmt = tensor(xm, [1, seq, f]).to(device);
        var fmt = tensor(fm, [1, pred, f]).to(device);
        var y = model.Forecast(xt, xmt, InformerModel.DecoderInput(xt, label, pred), fmt).cpu().to(ScalarType.Float64);
        var scaled = y.data<double>().ToArray();   // [pred, c_out]
        int cOut = (int)y.shape[2];
        // Output channels: every column for M, the target (the last column) for S and MS.
        int firstChannel = c - cOut;
        var channels = data.Columns[firstChannel..];
        var forecast = new double[cOut][];
        var history = new double[cOut][];
        double[][]? actual = end + pred <= table.Rows ? new double[cOut][] : null;
        for (int k = 0; k < cOut; k++)
        {
            int col = firstChannel + k, src = data.ColumnIndices[col];
            forecast[k] = Enumerable.Range(0, pred).Select(t => data.Scaler.Inverse(scaled[t * cOut + k], col)).ToArray();
            history[k] = table.Values[src][(end - seq)..end];
            if (actual != null) actual[k] = table.Values[src][end..(end + pred)];
        }
        return new ForecastResult(channels, historyTime, history, futureTime, forecast, actual, end);
    }

    /// <summary>Writes the forecast as CSV (date + one column per channel, original units), atomically.</summary>
    public static void WriteCsv(string path, ForecastResult r, string dateColumn = "date")
    {
        var sb = new StringBuilder();
        sb.Append(dateColumn).Append(',').AppendJoin(',', r.Channels).Append('\n');
        for (int t = 0; t < r.FutureTime.Length; t++)
        {
            sb.Append(r.FutureTime[t].ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            foreach (var ch in r.Forecast) sb.Append(',').Append(ch[t].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Plots the last channel (the target) of a forecast: history, the truth when known, and the forecast.</summary>
    public static void WritePlot(string path, ForecastResult r, string title)
    {
        int k = r.Channels.Length - 1;
        double[] Days(IEnumerable<DateTime> t) => t.Select(x => x.ToOADate()).ToArray();
        // Forecast and truth start at the last known point so the curves read as a continuation.
        var fx = Days(r.FutureTime.Prepend(r.HistoryTime[^1]));
        var series = new List<Series> { new("history", Days(r.HistoryTime), r.History[k]) };
        if (r.Actual != null) series.Add(new Series("actual", fx, r.Actual[k].Prepend(r.History[k][^1]).ToArray()));
        series.Add(new Series("Informer forecast", fx, r.Forecast[k].Prepend(r.History[k][^1]).ToArray()));
        PlotWriter.Lines(path, title, "time", r.Channels[k], series, dateX: true, width: 1000);
    }

    /// <summary>The target channel's forecast as a table (with the truth and the error when known).</summary>
    public static void Print(IZooOutput output, ForecastResult r, int maxRows = 24)
    {
        int k = r.Channels.Length - 1;
        string F(double v, string format = "F2") => v.ToString(format, CultureInfo.InvariantCulture);
        var headers = r.Actual != null ? new[] { "time", "forecast", "actual", "error" } : new[] { "time", "forecast" };
        var rows = Enumerable.Range(0, Math.Min(maxRows, r.FutureTime.Length)).Select(t =>
        {
            var row = new List<string> { r.FutureTime[t].ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), F(r.Forecast[k][t]) };
            if (r.Actual != null) row.AddRange([F(r.Actual[k][t]), F(r.Forecast[k][t] - r.Actual[k][t], "+0.00;-0.00")]);
            return (IReadOnlyList<string>)row;
        });
        output.Table($"forecast of {r.Channels[k]}", headers, rows);
    }
}
