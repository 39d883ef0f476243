using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// What a host hands to factories and recipes: the catalog of other plugins, the device, the thread count,
/// a progress sink and an output. Passed explicitly (no static locator), so a model that needs another plugin
/// (ViViT's spatial encoder, HMT's backbone, hybrid-lm's mixers) can be built in a plain unit test from a
/// catalog made from a folder or from <see cref="InMemoryCatalog"/>.
/// </summary>
public interface IZooContext
{
    IZooCatalog Catalog { get; }

    Device Device { get; }

    /// <summary>libtorch intra-op threads the host applied (null: libtorch's default).</summary>
    int? Threads { get; }

    IZooProgress Progress { get; }

    IZooOutput Output { get; }

    CancellationToken Cancellation { get; }
}

/// <summary>A plain <see cref="IZooContext"/> for libraries, tests and samples.</summary>
public sealed record ZooContext : IZooContext
{
    public IZooCatalog Catalog { get; init; } = InMemoryCatalog.Empty;

    /// <summary>The device (CPU unless set). Read lazily, so a context for work that never touches tensors (tiling) does not load libtorch.</summary>
    public Device Device
    {
        get => _device ??= CPU;
        init => _device = value;
    }

    private Device? _device;

    public int? Threads { get; init; }

    public IZooProgress Progress { get; init; } = SilentProgress.Instance;

    public IZooOutput Output { get; init; } = new TextOutput(Console.Out);

    public CancellationToken Cancellation { get; init; }

    /// <summary>CPU, no other plugins, no progress, output to the console.</summary>
    public static ZooContext Default { get; } = new();

    /// <summary>A context over <paramref name="catalog"/> (other settings default).</summary>
    public static ZooContext For(IZooCatalog catalog) => new() { Catalog = catalog };
}

/// <summary>Long work reports here: one task per loop (epochs, steps, slides), advanced as it goes.</summary>
public interface IZooProgress
{
    /// <summary>Starts a task of <paramref name="total"/> units (0: unknown). Dispose it when done.</summary>
    IZooProgressTask Start(string description, double total);
}

/// <summary>One running task of <see cref="IZooProgress"/>.</summary>
public interface IZooProgressTask : IDisposable
{
    /// <summary>Adds <paramref name="units"/> done.</summary>
    void Advance(double units = 1);

    /// <summary>Replaces the description (e.g. with the latest loss).</summary>
    void Describe(string description);
}

/// <summary>Drops every report (libraries and tests).</summary>
public sealed class SilentProgress : IZooProgress, IZooProgressTask
{
    public static SilentProgress Instance { get; } = new();

    public IZooProgressTask Start(string description, double total) => this;

    public void Advance(double units = 1) { }

    public void Describe(string description) { }

    public void Dispose() { }
}

/// <summary>What recipes print. Hosts render it (tables, colours); plain text elsewhere.</summary>
public interface IZooOutput
{
    /// <summary>One line of plain text.</summary>
    void Line(string text);

    /// <summary>A table with a title and a header row.</summary>
    void Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows);

    /// <summary>A warning the user should see (not an error).</summary>
    void Warn(string text);
}

/// <summary>Plain-text <see cref="IZooOutput"/> over a <see cref="TextWriter"/>.</summary>
public sealed class TextOutput(TextWriter writer) : IZooOutput
{
    public void Line(string text) => writer.WriteLine(text);

    public void Warn(string text) => writer.WriteLine("warning: " + text);

    public void Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Count ? r[i].Length : 0))).ToArray();
        if (title.Length > 0) writer.WriteLine(title);
        writer.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var r in all)
            writer.WriteLine(string.Join("  ", r.Select((c, i) => i < widths.Length ? c.PadRight(widths[i]) : c)).TrimEnd());
    }
}
