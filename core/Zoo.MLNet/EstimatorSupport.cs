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

    /// <summary>The model for <paramref name="config"/> (default: the factory's defaults), after <paramref name="adjust"/> edits the JSON.</summary>
    public static (nn.Module Module, object Config) CreateModel(IModelFactory factory, JsonObject? config, Action<JsonObject>? adjust = null)
    {
        var json = (JsonObject?)config?.DeepClone() ?? (JsonObject)factory.ConfigToJson(factory.CreateDefaultConfig());
        adjust?.Invoke(json);
        var parsed = factory.ParseConfig(json);
        return (factory.CreateModel(parsed), parsed);
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
