using Zoo.Core;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>What <c>zoo train hybrid-lm</c> saves beside the weights (config.json, key "run").</summary>
public sealed record LmRunSummary
{
    public const string Key = "run";

    /// <summary>mqar or text.</summary>
    public string Task { get; init; } = "";

    public double? MqarRecall { get; init; }

    public double? ValPerplexity { get; init; }

    public double? FinalTrainLoss { get; init; }
}

/// <summary>The steps train and eval share: one training run on the options' task and its score.</summary>
public sealed class LmRun(IZooContext context, CommonOptions common, LmOptions options)
{
    public int Steps => common.Steps ?? 400;

    public int BatchSize => common.BatchSize ?? 32;

    public double Lr => common.Lr ?? 3e-3;

    public int Seed => (int)(common.Seed ?? 0);

    public Mqar Mqar => new(options.Pairs, options.Pairs, options.MqarVocab, options.MqarVocab);

    private ByteText? _text;

    public ByteText Text => _text ??= ByteText.Open(common.Data);

    /// <summary>Trains a fresh model of <paramref name="cfg"/> on the task; returns it with its per-step losses.</summary>
    public (HybridLM Model, List<double> Curve) Train(HybridLmConfig cfg, string label)
    {
        manual_seed(Seed);
        var model = new HybridLM(cfg, context);
        var rng = new Random(Seed);
        Func<int, (Tensor, Tensor)> batch;
        if (options.Task == "mqar")
        {
            var task = Mqar;
            batch = _ => task.Batch(BatchSize, rng);
        }
        else
        {
            var corpus = Text;
            batch = _ => ByteText.Windows(corpus.Train, BatchSize, options.SeqLen, rng);
        }
        try
        {
            var curve = LmTrainer.Train(context, model, batch, Steps, Lr, name: label);
            if (curve.Count > 0) context.Output.Line($"{label}: {curve.Count} steps, final loss {curve[^1]:F4}");
            return (model, curve);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>MQAR recall, or validation perplexity for text.</summary>
    public double Evaluate(HybridLM model) => options.Task == "mqar"
        ? LmTrainer.Recall(model, Mqar, batches: 8, batchSize: 64, seed: Seed + 1000)
        : LmTrainer.Perplexity(model, Text, options.SeqLen, options.EvalWindows);

    public static string Describe(HybridLM m) => string.Join(" ", m.LayerKinds.Select(k => Mixers.IsAttention(k) ? "A" : "M"));
}
