using System.Globalization;
using System.Runtime.InteropServices;

namespace Zoo.Core;

/// <summary>
/// Peak resident memory of a region of work, for benchmarks (TorchSharp has no CPU allocator statistics).
/// On Linux it resets the kernel's high-water mark (writes 5 to /proc/self/clear_refs) and reads VmHWM's rise above
/// the resident set at the start; elsewhere it samples the working set every 2 ms.
/// glibc keeps freed tensor memory inside the process (its mmap threshold grows after the first large free), so a
/// second model measured in the same process would look cheaper than the first: the first measurement fixes the mmap
/// threshold at 64 KiB (every large tensor is its own mapping, returned to the system when freed) and each
/// measurement starts with malloc_trim(0). This changes allocation behaviour for the rest of the process: call it
/// from benchmarks, not from training code.
/// </summary>
public sealed class PeakMemory
{
    private readonly long _baseline;
    private readonly bool _highWaterMark;
    private long _sampled;
    private volatile bool _stop;
    private readonly Thread? _sampler;
    private static bool _thresholdFixed;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private const int M_MMAP_THRESHOLD = -3;

    private PeakMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TrimHeap();
        _baseline = ResidentBytes();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            _highWaterMark = Status("VmHWM:") > 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _highWaterMark = false;
        }
        if (!_highWaterMark)
        {
            _sampled = _baseline;
            _sampler = new Thread(() => { while (!_stop) { _sampled = Math.Max(_sampled, ResidentBytes()); Thread.Sleep(2); } }) { IsBackground = true };
            _sampler.Start();
        }
    }

    /// <summary>Starts measuring from the current resident set.</summary>
    public static PeakMemory Start() => new();

    /// <summary>Peak rise since <see cref="Start"/>, in bytes.</summary>
    public long StopBytes()
    {
        long peak;
        if (_highWaterMark) peak = Status("VmHWM:");
        else
        {
            _stop = true;
            _sampler!.Join();
            peak = _sampled;
        }
        return Math.Max(0, peak - _baseline);
    }

    /// <summary>Peak rise since <see cref="Start"/>, in MiB.</summary>
    public double StopMiB() => StopBytes() / (1024.0 * 1024.0);

    /// <summary>Runs <paramref name="work"/> and returns its peak resident memory above the start, in bytes.</summary>
    public static long MeasureBytes(Action work)
    {
        var m = Start();
        work();
        return m.StopBytes();
    }

    private static void TrimHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            if (!_thresholdFixed) _thresholdFixed = MallOpt(M_MMAP_THRESHOLD, 64 * 1024) == 1;
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    private static long ResidentBytes()
    {
        long b = Status("VmRSS:");
        return b > 0 ? b : Environment.WorkingSet;
    }

    /// <summary>A /proc/self/status field in bytes (0 when unavailable).</summary>
    private static long Status(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return 0;
    }
}
