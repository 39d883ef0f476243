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

    /// <summary>Builds a freshly initialised model for <paramref name="config"/>.</summary>
    nn.Module CreateModel(object config);

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

    public nn.Module CreateModel(object config) => Create((TConfig)config);

    public virtual object FixtureConfig(ParityFixture fixture) => ParseConfig(fixture.Config);

    public IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, ParityFixture fixture) => RunFixture(model, (TConfig)FixtureConfig(fixture), fixture);

    /// <summary>Builds the model.</summary>
    public abstract nn.Module Create(TConfig config);

    /// <summary>Override to support <c>zoo verify</c>.</summary>
    protected virtual IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, TConfig config, ParityFixture fixture) =>
        throw new NotSupportedException($"{GetType().Name} does not support parity fixtures.");
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
}
