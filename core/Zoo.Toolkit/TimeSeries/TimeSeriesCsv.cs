using System.Globalization;
using CsvHelper;

namespace Zoo.Toolkit.TimeSeries;

/// <summary>A validated CSV time series: one time column and numeric columns, sorted by time without repeats.</summary>
public sealed class TimeSeriesTable
{
    public TimeSeriesTable(string path, string dateColumn, string[] columns, DateTime[] stamps, double[][] values)
    {
        Path = path;
        DateColumn = dateColumn;
        Columns = columns;
        Stamps = stamps;
        Values = values;
    }

    public string Path { get; }
    public string DateColumn { get; }

    /// <summary>Numeric column names in file order (the time column excluded).</summary>
    public string[] Columns { get; }

    public DateTime[] Stamps { get; }

    /// <summary>Values[column][row].</summary>
    public double[][] Values { get; }

    public int Rows => Stamps.Length;

    public int ColumnIndex(string name)
    {
        int i = Array.IndexOf(Columns, name);
        return i >= 0 ? i : throw new InvalidDataException($"{Path}: column '{name}' not found (columns: {string.Join(", ", Columns)}).");
    }

    /// <summary>The most common step between consecutive stamps (for dating a forecast beyond the last row).</summary>
    public TimeSpan TypicalStep() => Rows < 2 ? TimeSpan.FromHours(1)
        : Enumerable.Range(1, Rows - 1).Select(i => Stamps[i] - Stamps[i - 1]).GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
}

/// <summary>
/// Reads the ETT layout (<c>date,HUFL,...,OT</c>) or any CSV with a time column and numeric columns, with errors that
/// name the file, the line and the column: missing columns, ragged rows, bad dates, non-numeric or NaN cells,
/// unsorted or repeated time stamps.
/// </summary>
public static class TimeSeriesCsv
{
    public static TimeSeriesTable Read(string path, string dateColumn = "date", IReadOnlyCollection<string>? requiredColumns = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            TrimWhitespace = true,
            FieldCountMismatch = CsvFieldCountHandling.Allow,   // checked below, with the line number
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            HasHeader = true,
        };
        using var csv = CsvReader.FromFile(path, options);
        string[] header;
        try
        {
            header = csv.Headers.ToArray();
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path}: cannot read the header row ({ex.Message}).", ex);
        }
        if (header.Length == 0 || header.All(string.IsNullOrWhiteSpace))
            throw new InvalidDataException($"{path}: the file is empty; expected a header row with a '{dateColumn}' column and numeric columns.");
        int dateIndex = Array.FindIndex(header, c => string.Equals(c, dateColumn, StringComparison.Ordinal));
        if (dateIndex < 0)
            throw new InvalidDataException($"{path}: no time column '{dateColumn}' in the header (columns: {string.Join(", ", header)}).");
        var dupes = header.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dupes.Count > 0) throw new InvalidDataException($"{path}: the header repeats column(s) {string.Join(", ", dupes)}.");
        var columns = header.Where((_, i) => i != dateIndex).ToArray();
        if (columns.Length == 0) throw new InvalidDataException($"{path}: no numeric columns besides '{dateColumn}'.");
        if (requiredColumns != null)
            foreach (var need in requiredColumns)
                if (!columns.Contains(need))
                    throw new InvalidDataException($"{path}: column '{need}' not found (columns: {string.Join(", ", columns)}).");

        var stamps = new List<DateTime>();
        var values = columns.Select(_ => new List<double>()).ToArray();
        while (true)
        {
            bool more;
            try { more = csv.Read(); }
            catch (Exception ex) when (ex is not (OutOfMemoryException or IOException))
            {
                throw new InvalidDataException($"{path}, after line " +
                    $"{(stamps.Count > 0 ? csv.LineNumber.ToString(CultureInfo.InvariantCulture) : "1")}: malformed CSV ({ex.Message}).", ex);
            }
            if (!more) break;
            long line = csv.LineNumber;
            int fieldCount = csv.FieldCount;
            if (fieldCount != header.Length)
                throw new InvalidDataException($"{path}, line {line}: expected {header.Length} fields ({string.Join(",", header)}), found {fieldCount}.");
            var record = new string[fieldCount];
            for (int i = 0; i < fieldCount; i++) record[i] = csv.GetString(i);
            var text = record[dateIndex];
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var stamp))
                throw new InvalidDataException($"{path}, line {line}, column '{dateColumn}': '{text}' is not a date/time.");
            if (stamps.Count > 0)
            {
                var previous = stamps[^1];
                if (stamp == previous)
                    throw new InvalidDataException($"{path}, line {line}, column '{dateColumn}': time stamp " +
                        $"{text} repeats the previous row's (duplicated time stamps).");
                if (stamp < previous)
                    throw new InvalidDataException($"{path}, line {line}, column '{dateColumn}': time stamp " +
                        $"{text} is earlier than the previous row's {previous:yyyy-MM-dd HH:mm:ss} (rows must be sorted by time).");
            }
            stamps.Add(stamp);
            for (int i = 0, c = 0; i < record.Length; i++)
            {
                if (i == dateIndex) continue;
                var cell = record[i];
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw new InvalidDataException(string.IsNullOrWhiteSpace(cell)
                        ? $"{path}, line {line}, column '{header[i]}': the cell is empty (missing value)."
                        : $"{path}, line {line}, column '{header[i]}': '{cell}' is not a number.");
                if (!double.IsFinite(v))
                    throw new InvalidDataException($"{path}, line {line}, column '{header[i]}': '{cell}' is NaN or infinite.");
                values[c++].Add(v);
            }
        }
        if (stamps.Count == 0) throw new InvalidDataException($"{path}: the file has a header but no data rows.");
        return new TimeSeriesTable(path, dateColumn, columns, stamps.ToArray(), values.Select(v => v.ToArray()).ToArray());
    }
}
