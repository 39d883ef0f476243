using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zoo.Core.Checkpoints;

/// <summary>
/// Typed records saved beside a checkpoint's weights (in config.json, one key each): scalers, label names,
/// where the data came from. Zoo.Core serialises them (snake_case, strict); no command builds this JSON by hand.
/// </summary>
public sealed class CheckpointSideData
{
    private readonly Dictionary<string, (object Value, Type Type)> _items = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a record under <paramref name="key"/>.</summary>
    public CheckpointSideData With<T>(string key, T value) where T : class
    {
        if (key is "model" or "version" or "config" or "zoo_contracts" or "created")
            throw new ArgumentException($"'{key}' is a reserved config.json field.", nameof(key));
        _items[key] = (value, typeof(T));
        return this;
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var (k, (v, t)) in _items) o[k] = ZooJson.ToNode(v, t);
        return o;
    }
}

public static class CheckpointInfoExtensions
{
    /// <summary>Reads a side-data record; null when the checkpoint has none under <paramref name="key"/>.</summary>
    public static T? Side<T>(this CheckpointInfo info, string key) where T : class
    {
        if (!info.Extra.TryGetPropertyValue(key, out var node) || node is null) return null;
        try
        {
            return node.Deserialize<T>(ZooJson.Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{Checkpoint.ConfigFile}: field \"{key}\" is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a side-data record that must be there.</summary>
    public static T RequireSide<T>(this CheckpointInfo info, string key) where T : class =>
        info.Side<T>(key) ?? throw new InvalidDataException($"{Checkpoint.ConfigFile}: no \"{key}\" field ({typeof(T).Name}); was this checkpoint written by another model?");
}

/// <summary>Class names, index = label.</summary>
public sealed record LabelNames
{
    public const string Key = "labels";

    public IReadOnlyList<string> Names { get; init; } = [];
}

/// <summary>Per-feature standardisation statistics (fit on the training split).</summary>
public sealed record ScalerStats
{
    public const string Key = "scaler";

    public float[] Mean { get; init; } = [];

    public float[] Std { get; init; } = [];
}

/// <summary>Where the training data came from.</summary>
public sealed record DataProvenance
{
    public const string Key = "data";

    /// <summary>File or folder the data was read from (as given).</summary>
    public string Source { get; init; } = "";

    /// <summary>Data set name (ETTh1, digits, tinyshakespeare, ...).</summary>
    public string Name { get; init; } = "";

    public string Licence { get; init; } = "";

    /// <summary>sha256 of the file, when it is one file.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The command line that trained the checkpoint.</summary>
    public string Command { get; init; } = "";
}
