using System.Text.Json.Nodes;
using Microsoft.ML;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.MLNet;

/// <summary>What every Zoo estimator does the same way: check columns, build the model from its config, train in mini-batches.</summary>
internal static class EstimatorSupport
{
    public static void RequireColumns(DataViewSchema schema, string? hint, params string[] columns)
    {
        foreach (var column in columns)
            if (schema.GetColumnOrNull(column) is null)
                throw new ArgumentOutOfRangeException("input", $"The data has no column '{column}' (columns: {string.Join(", ", schema.Select(c => c.Name))}){hint}.");
    }

    /// <summary>
    /// The model <paramref name="model"/> (<c>name[@version][:preset]</c>) names in <paramref name="catalog"/>: its preset plus
    /// <paramref name="overrides"/>, then <paramref name="adjust"/> (e.g. the head sized to the data), built after seeding torch
    /// with <paramref name="seed"/>, with a context over the catalog; the version is <paramref name="version"/> or the plugin's.
    /// </summary>
    public static BuiltModel CreateModel(IZooCatalog catalog, string model, JsonObject? overrides, string? version, long seed,
        Func<IModelFactory, object, object>? adjust = null)
    {
        var spec = ModelSpec.Parse(model);
        var factory = catalog.Get<IModelFactory>(spec.Key);
        var config = factory.Configure(spec.Preset, overrides);
        if (adjust is not null) config = adjust(factory, config);
        torch.manual_seed(seed);
        var module = factory.CreateModel(config, ZooContext.For(catalog));
        return new(factory, config, module, spec.Name, version ?? factory.GetType().Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
    }

    /// <summary>Adam over shuffled mini-batches of example indices; one dispose scope per step; leaves the module in eval mode.</summary>
    public static void Train(nn.Module module, int examples, int epochs, int batchSize, double learningRate, long seed, Func<int[], Tensor> lossOfBatch)
    {
        var optimizer = torch.optim.Adam(module.parameters(), learningRate);
        var rng = new Random((int)seed);
        module.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, examples).OrderBy(_ => rng.Next()).ToArray();
            for (int start = 0; start < order.Length; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                lossOfBatch(order.Skip(start).Take(batchSize).ToArray()).backward();
                optimizer.step();
            }
        }
        module.eval();
    }
}

/// <summary>A model an estimator built: its factory, configuration, module, model name and version.</summary>
internal sealed record BuiltModel(IModelFactory Factory, object Config, nn.Module Module, string Name, string Version);
