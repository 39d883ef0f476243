using System.Text.Json;
using System.Text.Json.Nodes;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Core.Fixtures;

/// <summary>
/// A parity fixture (shared/fixtures/README.md): a safetensors file with <c>model.*</c> weights,
/// <c>input.*</c> tensors and <c>output.*</c> tensors, plus a JSON sidecar naming the model and its config.
/// </summary>
public sealed class ParityFixture : IDisposable
{
    private ParityFixture(string path, JsonObject sidecar, Dictionary<string, Tensor> tensors)
    {
        Path = path;
        Sidecar = sidecar;
        Tensors = tensors;
        Weights = Group("model.");
        Inputs = Group("input.");
        Outputs = Group("output.");
    }

    public string Path { get; }

    /// <summary>The whole sidecar.</summary>
    public JsonObject Sidecar { get; }

    /// <summary>The zoo model this fixture is for (sidecar "model").</summary>
    public string Model => Sidecar["model"]?.GetValue<string>() ?? "";

    /// <summary>The reference configuration (sidecar "config"), under the reference's own names.</summary>
    public JsonNode? Config => Sidecar["config"];

    /// <summary>All tensors by full name (model.*, input.*, output.*, act.*, target.*, extras).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public IReadOnlyDictionary<string, Tensor> Inputs { get; }

    public IReadOnlyDictionary<string, Tensor> Outputs { get; }

    private Dictionary<string, Tensor> Group(string prefix) =>
        Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    /// <summary>An input by name, with a clear error when absent.</summary>
    public Tensor Input(string name) => Inputs.TryGetValue(name, out var t) ? t
        : throw new InvalidDataException($"{Path}: no tensor 'input.{name}' (inputs: {string.Join(", ", Inputs.Keys)}).");

    /// <summary>Any tensor by full name, with a clear error when absent.</summary>
    public Tensor Tensor(string fullName) => Tensors.TryGetValue(fullName, out var t) ? t
        : throw new InvalidDataException($"{Path}: no tensor '{fullName}'.");

    /// <summary>Loads a fixture and its sidecar (<c>name.json</c> beside <c>name.safetensors</c>).</summary>
    public static ParityFixture Load(string path)
    {
        var sidecarPath = System.IO.Path.ChangeExtension(path, ".json");
        if (!File.Exists(sidecarPath)) throw new FileNotFoundException($"{path}: the sidecar {sidecarPath} is missing.", sidecarPath);
        return new ParityFixture(path, ZooJson.ReadObject(sidecarPath), SafeTensors.Read(path));
    }

    /// <summary>Max absolute error of each expected output against <paramref name="actual"/>; a missing or misshapen output is an error.</summary>
    public IReadOnlyDictionary<string, double> Compare(IReadOnlyDictionary<string, Tensor> actual)
    {
        var result = new Dictionary<string, double>();
        foreach (var (name, expected) in Outputs)
        {
            if (!actual.TryGetValue(name, out var got))
                throw new InvalidDataException($"{Path}: the model produced no output '{name}' (produced: {string.Join(", ", actual.Keys)}).");
            if (!got.shape.SequenceEqual(expected.shape))
                throw new InvalidDataException($"{Path}: output '{name}' has shape [{string.Join(", ", got.shape)}], expected [{string.Join(", ", expected.shape)}].");
            using var diff = (got.detach().cpu().to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
            result[name] = diff.numel() == 0 ? 0 : diff.max().item<double>();
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
