using System.Globalization;

namespace Zoo.Toolkit.TimeSeries;

/// <summary>
/// The time stamps fed to the global time embedding (Appendix B): continuous features in [-0.5, 0.5] for embed = "timeF"
/// (the reference's <c>utils/timefeatures.py</c>, timeenc = 1), or integer calendar fields [month, day, weekday, hour,
/// minute/15] for the "fixed"/"learned" lookup tables (timeenc = 0).
/// </summary>
public static class TimeFeatures
{
    /// <summary>Supported frequency characters: s(econdly), t (minutely), h(ourly), d(aily), b(usiness daily), w(eekly), m(onthly).</summary>
    public const string Supported = "sthdbwm";

    /// <summary>"h", "1H", "15min", "t" ... -> the one character the reference keeps (args.freq[-1:], "min" = "t").</summary>
    public static char NormalizeFreq(string freq)
    {
        var f = (freq ?? "").Trim().ToLowerInvariant();
        if (f.EndsWith("min", StringComparison.Ordinal)) f = "t";
        if (f.Length == 0 || !Supported.Contains(f[^1]))
            throw new ArgumentException($"Unsupported frequency '{freq}': use s (seconds), t or min (minutes), " +
                $"h (hours), d (days), b (business days), w (weeks) or m (months), optionally with a multiple such as 15min or 3h.");
        return f[^1];
    }

    /// <summary>Number of continuous (timeF) features for a frequency.</summary>
    public static int ContinuousCount(char freq) => freq switch
    {
        's' => 6,
        't' => 5,
        'h' => 4,
        'd' or 'b' => 3,
        'w' => 2,
        'm' => 1,
        _ => throw new ArgumentException($"Unsupported frequency '{freq}'."),
    };

    /// <summary>Number of integer calendar columns for the fixed/learned tables (minute only for freq t).</summary>
    public static int CalendarCount(char freq) => freq == 't' ? 5 : 4;

    /// <summary>Columns per time stamp for an embedding type.</summary>
    public static int Count(string embed, char freq) => embed == "timeF" ? ContinuousCount(freq) : CalendarCount(freq);

    private static int PandasDayOfWeek(DateTime t) => ((int)t.DayOfWeek + 6) % 7;   // Monday = 0

    /// <summary>timeF features in the reference's order for the frequency.</summary>
    public static void Continuous(DateTime t, char freq, Span<float> dst)
    {
        double secondOfMinute = t.Second / 59.0 - 0.5;
        double minuteOfHour = t.Minute / 59.0 - 0.5;
        double hourOfDay = t.Hour / 23.0 - 0.5;
        double dayOfWeek = PandasDayOfWeek(t) / 6.0 - 0.5;
        double dayOfMonth = (t.Day - 1) / 30.0 - 0.5;
        double dayOfYear = (t.DayOfYear - 1) / 365.0 - 0.5;
        double monthOfYear = (t.Month - 1) / 11.0 - 0.5;
        double weekOfYear = (ISOWeek.GetWeekOfYear(t) - 1) / 52.0 - 0.5;
        double[] values = freq switch
        {
            's' => [secondOfMinute, minuteOfHour, hourOfDay, dayOfWeek, dayOfMonth, dayOfYear],
            't' => [minuteOfHour, hourOfDay, dayOfWeek, dayOfMonth, dayOfYear],
            'h' => [hourOfDay, dayOfWeek, dayOfMonth, dayOfYear],
            'd' or 'b' => [dayOfWeek, dayOfMonth, dayOfYear],
            'w' => [dayOfMonth, weekOfYear],
            'm' => [monthOfYear],
            _ => throw new ArgumentException($"Unsupported frequency '{freq}'."),
        };
        for (int i = 0; i < values.Length; i++) dst[i] = (float)values[i];
    }

    /// <summary>
    /// Integer calendar fields [month, day, weekday, hour(, minute // 15)] for the lookup tables. The reference gives
    /// fewer columns for d/b/w/m, which its TemporalEmbedding cannot read; here the hour column is always present (0 for
    /// daily and coarser data) so every frequency works with every embedding.
    /// </summary>
    public static void Calendar(DateTime t, char freq, Span<float> dst)
    {
        dst[0] = t.Month;
        dst[1] = t.Day;
        dst[2] = PandasDayOfWeek(t);
        dst[3] = t.Hour;
        if (freq == 't') dst[4] = t.Minute / 15;
    }

    /// <summary>Features of many stamps as a row-major [n, Count] array.</summary>
    public static float[] Encode(IReadOnlyList<DateTime> stamps, string embed, char freq)
    {
        int width = Count(embed, freq);
        var result = new float[stamps.Count * width];
        for (int i = 0; i < stamps.Count; i++)
        {
            var row = result.AsSpan(i * width, width);
            if (embed == "timeF") Continuous(stamps[i], freq, row);
            else Calendar(stamps[i], freq, row);
        }
        return result;
    }

    /// <summary>The next <paramref name="count"/> stamps after <paramref name="last"/>, <paramref name="step"/> apart (business days skip weekends).</summary>
    public static List<DateTime> Future(DateTime last, TimeSpan step, char freq, int count)
    {
        var list = new List<DateTime>(count);
        var t = last;
        for (int i = 0; i < count; i++)
        {
            if (freq == 'm') t = t.AddMonths(1);
            else
            {
                t = t + step;
                if (freq == 'b') while (t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) t = t.AddDays(1);
            }
            list.Add(t);
        }
        return list;
    }
}
