using System.Diagnostics;
using System.Globalization;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Wall time and peak resident memory of a phase of the benchmark, in process or of a child process (Linux /proc).</summary>
internal static class ResourceMeter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Wall time and peak RSS of an in-process phase (VmHWM after resetting it via /proc/self/clear_refs).</summary>
    public static (T Result, double Seconds, long PeakRss) Measure<T>(Func<T> f)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        bool reset = TryResetHwm();
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, ReadStatus("/proc/self/status", "VmRSS:"));
                try { await Task.Delay(20, stop.Token); } catch (TaskCanceledException) { }
            }
        });
        var sw = Stopwatch.StartNew();
        var r = f();
        double sec = sw.Elapsed.TotalSeconds;
        stop.Cancel();
        sampler.Wait();
        if (reset) peak = Math.Max(peak, ReadStatus("/proc/self/status", "VmHWM:"));
        return (r, sec, peak);
    }

    public static (double Seconds, long PeakRss) MeasureProcess(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {exe}");
        long peak = 0;
        string status = $"/proc/{p.Id}/status";
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.ReadToEndAsync();
        while (!p.HasExited)
        {
            peak = Math.Max(peak, Math.Max(ReadStatus(status, "VmHWM:"), ReadStatus(status, "VmRSS:")));
            Thread.Sleep(20);
        }
        p.WaitForExit();
        double sec = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {errTask.Result}");
        _ = outTask.Result;
        return (sec, peak);
    }

    private static bool TryResetHwm()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static long ReadStatus(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], Inv) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return 0;
    }

    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
