using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using Zoo.Toolkit.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>What one recipe achieved and cost in a comparison run.</summary>
public sealed record RecipeResult(string Recipe, ViViTConfig Config, long TrainableParameters, long Parameters, int Steps, double SecondsPerStep,
    double PeakMiB, double TrainFlopsPerStep, double Accuracy, double FinalLoss);

/// <summary>
/// Runs recipes side by side on the same data, batches, seed and pretrained spatial encoder: training-step time and the
/// rise of peak resident memory during training, then held-out accuracy after the same number of steps.
/// </summary>
public static class RecipeComparison
{
    /// <summary>
    /// Builds the catalog's spatial image model (<paramref name="spatialModel"/> = <c>name[:preset]</c>, with
    /// <paramref name="overrides"/> of its own config), pretrains it on digit stills (see <see cref="SpatialPretraining"/>)
    /// and saves it as a checkpoint folder.
    /// </summary>
    public static string PretrainSpatial(string spatialModel, JsonObject? overrides, DigitsCsv digits, string dir, int steps, int seed,
        IZooContext context)
    {
        var spec = SpatialEncoder.ParseSpec(spatialModel);
        var resolved = context.Catalog.Resolve(spec, overrides);
        torch.manual_seed(seed);
        using var model = resolved.Build(context);
        var acc = SpatialPretraining.Pretrain(model, digits, steps, 64, 2e-3, seed, context);
        model.cpu();
        var report = new SpatialPretrainingReport { Steps = steps };
        if (steps > 0)
            report = report with { DigitAccuracy = acc[0], ColumnAccuracy = acc[1], RowAccuracy = acc[2], AngleAccuracy = acc[3] };
        var version = context.Catalog.Models().FirstOrDefault(m => m.Metadata.Name.Equals(spec.Name, StringComparison.OrdinalIgnoreCase)).Version;
        Checkpoint.Save(dir, spec.Name, (version ?? new Version(1, 0, 0)).ToString(3), resolved.Factory, resolved.Config, model,
            side: new CheckpointSideData().With(SpatialPretrainingReport.Key, report));
        return dir;
    }

    public static RecipeResult Run(string name, ViViTConfig config, VideoDataset train, VideoDataset test, VideoTrainOptions options, IZooContext context)
    {
        torch.manual_seed(options.Seed);
        using var model = FactorisedEncoderViViT.Create(config, context);
        model.to(context.Device);
        long trainable = model.TrainableParameters().Sum(p => p.numel()), total = model.parameters().Sum(p => p.numel());
        // Every step is timed, the first (warm-up) one included, for every recipe alike: a warm-up step outside would change the weights.
        var mem = PeakMemory.Start();
        var sw = Stopwatch.StartNew();
        var hist = VideoTraining.Train(model, train, null, options, context);
        double seconds = sw.Elapsed.TotalSeconds;
        double peak = mem.StopMiB();
        int steps = hist.Count > 0 ? hist[^1].Steps : 0;
        var eval = VideoTraining.Evaluate(model, test, options.BatchSize * 2, context.Device);
        double flops = options.BatchSize * ViViTFlops.TrainPerClip(model, context.Catalog);
        return new RecipeResult(name, model.Config, trainable, total, steps, seconds / Math.Max(1, steps), peak, flops, eval.Top1,
            hist.Count > 0 ? hist[^1].TrainLoss : double.NaN);
    }

    /// <summary>
    /// Steady-state cost of one training step (forward, backward, AdamW) of a fresh model of <paramref name="config"/> on a
    /// fixed batch: <paramref name="warmup"/> untimed steps (JIT, allocator, optimiser state), then the mean time of
    /// <paramref name="steps"/> steps and the rise of peak resident memory over them (activations and gradients kept for
    /// the backward pass; weights and optimiser state exist before the measurement starts). A fixed-batch timing loop,
    /// not training: the toolkit's TrainingLoop does not fit (no data order, no schedule, timing around the steps only).
    /// </summary>
    public static (double SecondsPerStep, double PeakMiB) MeasureStep(ViViTConfig config, VideoDataset data, int batchSize, int warmup, int steps,
        int seed, IZooContext context)
    {
        torch.manual_seed(seed);
        using var model = FactorisedEncoderViViT.Create(config, context);
        model.to(context.Device);
        model.train();
        using var opt = torch.optim.AdamW(model.TrainableParameters(), lr: 1e-4);
        var (x, y) = data.Batch(Enumerable.Range(0, batchSize).Select(i => i % data.Count).ToArray(), context.Device);
        using var _x = x;
        using var _y = y;
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            opt.step();
        }
        for (int i = 0; i < warmup; i++) Step();
        var mem = PeakMemory.Start();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        double seconds = sw.Elapsed.TotalSeconds / steps;
        return (seconds, mem.StopMiB());
    }

    public static string Pct(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
