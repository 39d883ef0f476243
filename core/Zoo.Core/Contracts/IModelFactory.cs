using System.Text.Json;
using System.Text.Json.Nodes;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// Builds a model from its typed configuration. Exported with <see cref="ZooExportAttribute"/>
/// (contract <c>typeof(IModelFactory)</c>). The model is a TorchSharp module that implements the task
/// interfaces it can serve (<see cref="IForecaster"/>, <see cref="IImageClassifier"/>, ...); its
/// state_dict keys follow the reference implementation so checkpoints convert without renaming.
/// </summary>
public interface IModelFactory
{
    /// <summary>The configuration record type (JSON, snake_case names as in the reference code).</summary>
    Type ConfigType { get; }

    /// <summary>A configuration with every default filled in.</summary>
    object CreateDefaultConfig();

    /// <summary>Reads a configuration; missing fields keep their defaults, unknown fields are an error.</summary>
    object ParseConfig(JsonNode? json);

    /// <summary>Writes a configuration as JSON (all fields, defaults included).</summary>
    JsonNode ConfigToJson(object config);

    /// <summary>
    /// Named variants, smallest first (timm's <c>vit_tiny</c>, <c>tnt_s</c>; asked for as <c>vit:tiny</c>).
    /// The first one is what registry-wide tests build. Never empty: a factory without its own presets lists "default".
    /// </summary>
    IReadOnlyList<ModelPreset> Presets { get; }

    /// <summary>
    /// Builds a freshly initialised model for <paramref name="config"/>. <paramref name="context"/> gives the catalog
    /// to a model that is built around another plugin's model (and the device); models that need nothing ignore it.
    /// </summary>
    nn.Module CreateModel(object config, IZooContext context);

    /// <summary>The configuration a parity fixture describes (default: its sidecar "config" read with <see cref="ParseConfig"/>).</summary>
    object FixtureConfig(ParityFixture fixture);

    /// <summary>
    /// Runs a parity fixture: the fixture's <c>model.*</c> tensors are already loaded into <paramref name="model"/>;
    /// return the tensors to compare with the fixture's <c>output.*</c> (same names, without the prefix).
    /// </summary>
    IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, ParityFixture fixture);
}

/// <summary>Base class that gives a typed configuration record its JSON handling.</summary>
public abstract class ModelFactory<TConfig> : IModelFactory where TConfig : class, new()
{
    public Type ConfigType => typeof(TConfig);

    public object CreateDefaultConfig() => new TConfig();

    public object ParseConfig(JsonNode? json) => ZooJson.ParseConfig<TConfig>(json);

    public JsonNode ConfigToJson(object config) => ZooJson.ToNode((TConfig)config);

    public IReadOnlyList<ModelPreset> Presets => _presets ??= BuildPresets();

    private IReadOnlyList<ModelPreset>? _presets;

    private List<ModelPreset> BuildPresets()
    {
        var list = DefinePresets().Select(p => new ModelPreset(p.Name, p.Description, p.Config, p.Aliases)).ToList();
        if (list.Count == 0) list.Add(new ModelPreset("default", "the default configuration", new TConfig()));
        var dup = list.SelectMany(p => (p.Aliases ?? []).Prepend(p.Name)).GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new InvalidOperationException($"{GetType().Name}: preset '{dup.Key}' is defined twice.");
        return list;
    }

    /// <summary>Override to name the variants, smallest first: <c>yield return new("tiny", "...", new() { ... })</c>.</summary>
    protected virtual IEnumerable<Preset<TConfig>> DefinePresets() => [];

    public nn.Module CreateModel(object config, IZooContext context) => Create((TConfig)config, context);

    public virtual object FixtureConfig(ParityFixture fixture) => ParseConfig(fixture.Config);

    public IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, ParityFixture fixture) => RunFixture(model, (TConfig)FixtureConfig(fixture), fixture);

    /// <summary>Builds the model (override this one, or the context-taking overload when the model needs the catalog).</summary>
    public virtual nn.Module Create(TConfig config) =>
        throw new NotImplementedException($"{GetType().Name} overrides neither Create(config) nor Create(config, context).");

    /// <summary>Builds the model with a context (default: ignores it).</summary>
    public virtual nn.Module Create(TConfig config, IZooContext context) => Create(config);

    /// <summary>Override to support <c>zoo verify</c>.</summary>
    protected virtual IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, TConfig config, ParityFixture fixture) =>
        throw new NotSupportedException($"{GetType().Name} does not support parity fixtures.");
}

public static class ModelFactoryExtensions
{
    /// <summary>Builds a model that needs no other plugin (<see cref="ZooContext.Default"/>: CPU, empty catalog).</summary>
    public static nn.Module CreateModel(this IModelFactory factory, object config) => factory.CreateModel(config, ZooContext.Default);
}

/// <summary>JSON conventions shared by configs and checkpoints: snake_case, strict about unknown fields.</summary>
public static class ZooJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static T ParseConfig<T>(JsonNode? json) where T : class, new()
    {
        if (json is null) return new T();
        try
        {
            return json.Deserialize<T>(Options) ?? new T();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Invalid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    public static JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options)!;

    /// <summary>Reads a JSON object from a file; a missing file or bad JSON is an error that names the file.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found.", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message}).", ex);
        }
    }

    /// <summary>Serialises a value of a run-time type (typed records of checkpoint side data, option records).</summary>
    public static JsonNode ToNode(object value, Type type) => JsonSerializer.SerializeToNode(value, type, Options)!;
}

/// <summary>
/// A named variant of a model: its name (<c>tiny</c>), one line of description, a full configuration, and older
/// spellings that still resolve to it (<c>tnt_s</c>, <c>small</c>).
/// </summary>
public sealed record ModelPreset(string Name, string Description, object Config, IReadOnlyList<string>? Aliases = null)
{
    public bool Answers(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase)
        || (Aliases?.Contains(name, StringComparer.OrdinalIgnoreCase) ?? false);
}

/// <summary>A typed preset, as <see cref="ModelFactory{TConfig}"/> defines them.</summary>
public sealed record Preset<TConfig>(string Name, string Description, TConfig Config, IReadOnlyList<string>? Aliases = null) where TConfig : class;
