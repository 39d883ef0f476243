using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>What the host offers plugins at run time: the other plugins' components, by contract and name.</summary>
public interface IZooCatalog
{
    /// <summary>Factories of every model of a task (null: all), newest version of each.</summary>
    IReadOnlyList<(ZooMetadata Metadata, Version Version, IModelFactory Factory)> Models(string? task = null);

    /// <summary>Finds a component by name or <c>name@version</c>; throws <see cref="KeyNotFoundException"/> (listing what exists) when absent.</summary>
    T Get<T>(string nameOrNameAtVersion) where T : class;

    /// <summary>Every component of contract <typeparamref name="T"/> (newest version of each): name, metadata, version, a new instance.</summary>
    IReadOnlyList<(ZooMetadata Metadata, Version Version, Func<T> Create)> All<T>() where T : class;
}

/// <summary>
/// A model asked for by name: <c>name[@version][:preset]</c>, e.g. <c>vit:tiny</c>, <c>tnt@1.0.0:s</c>.
/// </summary>
public sealed record ModelSpec(string Name, Version? Version, string? Preset)
{
    public static ModelSpec Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new ArgumentException("A model is named as name[@version][:preset], e.g. vit:tiny.");
        var s = spec.Trim();
        string? preset = null;
        int colon = s.IndexOf(':');
        if (colon >= 0) { preset = s[(colon + 1)..]; s = s[..colon]; }
        Version? version = null;
        int at = s.IndexOf('@');
        if (at >= 0)
        {
            if (!Version.TryParse(s[(at + 1)..], out version)) throw new ArgumentException($"'{spec}': '{s[(at + 1)..]}' is not a version.");
            s = s[..at];
        }
        if (s.Length == 0 || preset is { Length: 0 }) throw new ArgumentException($"'{spec}': expected name[@version][:preset].");
        return new ModelSpec(s, version, preset);
    }

    /// <summary>The catalog key: name or name@version.</summary>
    public string Key => Version is null ? Name : $"{Name}@{Version.ToString(3)}";

    public override string ToString() => Preset is null ? Key : $"{Key}:{Preset}";
}

/// <summary>A model resolved to its factory and a full configuration (preset plus overrides).</summary>
public sealed record ResolvedModel(string Name, string? Preset, IModelFactory Factory, object Config)
{
    /// <summary>Builds the model with <paramref name="context"/> (which gives it the catalog for the plugins it needs).</summary>
    public nn.Module Build(IZooContext context) => Factory.CreateModel(Config, context);
}

public static class ZooCatalogExtensions
{
    /// <summary>
    /// Resolves <c>name[@version][:preset]</c> with optional overrides (a JSON object of config fields, snake_case)
    /// laid over the preset. Unknown presets and unknown fields are errors that list what exists.
    /// </summary>
    public static ResolvedModel Resolve(this IZooCatalog catalog, string spec, JsonObject? overrides = null) =>
        catalog.Resolve(ModelSpec.Parse(spec), overrides);

    public static ResolvedModel Resolve(this IZooCatalog catalog, ModelSpec spec, JsonObject? overrides = null)
    {
        var factory = catalog.Get<IModelFactory>(spec.Key);
        return new ResolvedModel(spec.Name, spec.Preset, factory, factory.Configure(spec.Preset, overrides));
    }

    /// <summary>The preset's configuration (the default preset when null) with <paramref name="overrides"/> laid over it.</summary>
    public static object Configure(this IModelFactory factory, string? preset, JsonObject? overrides = null)
    {
        var config = factory.Preset(preset);
        if (overrides is null || overrides.Count == 0) return config;
        var json = factory.ConfigToJson(config).AsObject();
        foreach (var (k, v) in overrides) json[k] = v?.DeepClone();
        return factory.ParseConfig(json);
    }

    /// <summary>The configuration of a named preset (null: the factory's default configuration).</summary>
    public static object Preset(this IModelFactory factory, string? preset)
    {
        if (preset is null) return factory.CreateDefaultConfig();
        var p = factory.Presets.FirstOrDefault(x => x.Answers(preset))
            ?? throw new KeyNotFoundException($"No preset '{preset}'. Presets: {string.Join(", ", factory.Presets.Select(x => x.Name))}.");
        return p.Config;
    }
}

/// <summary>A catalog built from factories in memory (tests, libraries that reference plugin packages directly).</summary>
public sealed class InMemoryCatalog : IZooCatalog
{
    private readonly List<(ZooMetadata Metadata, Version Version, Type Contract, Func<object> Create)> _items = [];

    public static InMemoryCatalog Empty { get; } = new();

    /// <summary>Adds a component under its <see cref="ZooExportAttribute"/> (name, task, ...), created with its parameterless constructor.</summary>
    public InMemoryCatalog Add<T>() where T : class, new()
    {
        var attr = (ZooExportAttribute?)Attribute.GetCustomAttribute(typeof(T), typeof(ZooExportAttribute))
            ?? throw new ArgumentException($"{typeof(T).Name} has no [ZooExport].");
        return Add(attr.ContractType ?? typeof(T), new ZooMetadata { Name = attr.Name, Task = attr.Task, Paper = attr.Paper, ArxivId = attr.ArxivId, Summary = attr.Summary },
            () => new T(), typeof(T).Assembly.GetName().Version ?? new Version(1, 0));
    }

    /// <summary>Adds a component of contract <paramref name="contract"/>.</summary>
    public InMemoryCatalog Add(Type contract, ZooMetadata metadata, Func<object> create, Version? version = null)
    {
        if (ReferenceEquals(this, Empty)) throw new InvalidOperationException("InMemoryCatalog.Empty is shared; create a new InMemoryCatalog.");
        _items.Add((metadata, version ?? new Version(1, 0), contract, create));
        return this;
    }

    public IReadOnlyList<(ZooMetadata Metadata, Version Version, IModelFactory Factory)> Models(string? task = null) =>
        _items.Where(i => i.Contract == typeof(IModelFactory) && (task is null || i.Metadata.Task == task))
            .Select(i => (i.Metadata, i.Version, (IModelFactory)i.Create())).ToList();

    public IReadOnlyList<(ZooMetadata Metadata, Version Version, Func<T> Create)> All<T>() where T : class =>
        _items.Where(i => i.Contract == typeof(T)).Select(i => (i.Metadata, i.Version, (Func<T>)(() => (T)i.Create()))).ToList();

    public T Get<T>(string nameOrNameAtVersion) where T : class
    {
        var name = nameOrNameAtVersion.Split('@')[0];
        var hit = _items.Where(i => i.Contract == typeof(T) && i.Metadata.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (hit.Count == 0)
            throw new KeyNotFoundException($"No {typeof(T).Name} named '{nameOrNameAtVersion}'. Available: {string.Join(", ", _items.Where(i => i.Contract == typeof(T)).Select(i => i.Metadata.Name).DefaultIfEmpty("(none)"))}.");
        return (T)hit[0].Create();
    }
}
