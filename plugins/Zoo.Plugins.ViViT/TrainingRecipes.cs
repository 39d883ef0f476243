using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>The training recipes Gowda et al. 2023 compare, as config transforms of one base config.</summary>
public static class TrainingRecipes
{
    /// <summary>The paper's recipe: frozen spatial encoder, compact adapter, temporal transformer initialised from the spatial layers.</summary>
    public static ViViTConfig FrozenAdapter(ViViTConfig c) => c with { FreezeSpatial = true, Adapter = AdapterKind.Bottleneck, TemporalInit = TemporalInit.SpatialLast };

    /// <summary>The baseline: standard ViViT factorised-encoder fine-tuning (everything trains; new temporal encoder, random).</summary>
    public static ViViTConfig FullFineTuning(ViViTConfig c) => c with { FreezeSpatial = false, Adapter = AdapterKind.None, TemporalInit = TemporalInit.Random };

    /// <summary>Naive freezing (the paper: "leads to a low accuracy model"): frozen, no adapter, random temporal transformer.</summary>
    public static ViViTConfig NaiveFreezing(ViViTConfig c) => c with { FreezeSpatial = true, Adapter = AdapterKind.None, TemporalInit = TemporalInit.Random };

    public static readonly (string Name, Func<ViViTConfig, ViViTConfig> Apply)[] All =
    [
        ("frozen+adapter", FrozenAdapter),
        ("full fine-tuning", FullFineTuning),
        ("naive freezing", NaiveFreezing),
    ];
}

/// <summary>What one recipe achieved and cost in a comparison run.</summary>
public sealed record RecipeResult(string Recipe, ViViTConfig Config, long TrainableParameters, long Parameters, int Steps, double SecondsPerStep,
    double PeakMiB, double TrainFlopsPerStep, double Accuracy, double FinalLoss);

/// <summary>
/// Runs recipes side by side on the same data, batches, seed and pretrained spatial encoder: training-step time and the
/// rise of peak resident memory during training, then held-out accuracy after the same number of steps.
/// </summary>
public static class RecipeComparison
{
    /// <summary>Pretrains the catalog's spatial image model on digit stills and saves it as a checkpoint folder (see <see cref="SpatialPretraining"/>).</summary>
    public static string PretrainSpatial(string spatialModel, JsonNode? spatialConfig, DigitsCsv digits, string dir, int steps, int seed, Device device,
        IZooCatalog? catalog = null, Action<int, double>? onProgress = null)
    {
        catalog ??= ZooRuntime.Catalog ?? throw new InvalidOperationException("ZooRuntime.Catalog is not set: run through the zoo host.");
        var factory = catalog.Get<IModelFactory>(spatialModel);
        var json = (spatialConfig ?? ViViTConfig.TinyVitConfig()).DeepClone().AsObject();
        json["num_classes"] = SpatialPretraining.Outputs;
        var cfg = factory.ParseConfig(json);
        torch.manual_seed(seed);
        using var model = factory.CreateModel(cfg);
        var acc = steps > 0 ? SpatialPretraining.Pretrain(model, digits, steps, 64, 2e-3, seed, device, onProgress) : null;
        model.cpu();
        var pre = new JsonObject { ["task"] = "digit stills: digit, column, row, angle bin", ["steps"] = steps };
        if (acc is not null)
            foreach (var (name, i) in new[] { ("digit", 0), ("column", 1), ("row", 2), ("angle", 3) }) pre[$"{name}_accuracy"] = acc[i];
        Checkpoint.Save(dir, spatialModel.Split('@')[0], "1.0.0", factory, cfg, model, new JsonObject { ["pretraining"] = pre });
        return dir;
    }

    public static RecipeResult Run(string name, ViViTConfig config, VideoDataset train, VideoDataset test, VideoTrainOptions options, Device device, IZooCatalog? catalog = null)
    {
        torch.manual_seed(options.Seed);
        using var model = FactorisedEncoderViViT.Create(config, catalog);
        model.to(device);
        long trainable = model.TrainableParameters().Sum(p => p.numel()), total = model.parameters().Sum(p => p.numel());
        // Every step is timed, the first (warm-up) one included, for every recipe alike: a warm-up step outside would change the weights.
        var mem = PeakMemory.Start();
        var sw = Stopwatch.StartNew();
        var hist = ViViTTraining.Train(model, train, null, options, device: device);
        double seconds = sw.Elapsed.TotalSeconds;
        double peak = mem.StopMiB();
        int steps = hist.Count > 0 ? hist[^1].Steps : 0;
        var eval = ViViTTraining.Evaluate(model, test, options.BatchSize * 2, device);
        double flops = options.BatchSize * ViViTFlops.TrainPerClip(model.Config, model.Spatial.GetType().Name);
        return new RecipeResult(name, model.Config, trainable, total, steps, seconds / Math.Max(1, steps), peak, flops, eval.Top1, hist.Count > 0 ? hist[^1].TrainLoss : double.NaN);
    }

    /// <summary>
    /// Steady-state cost of one training step (forward, backward, AdamW) of a fresh model of <paramref name="config"/> on a
    /// fixed batch: <paramref name="warmup"/> untimed steps (JIT, allocator, optimiser state), then the mean time of
    /// <paramref name="steps"/> steps and the rise of peak resident memory over them (activations and gradients kept for
    /// the backward pass; weights and optimiser state exist before the measurement starts).
    /// </summary>
    public static (double SecondsPerStep, double PeakMiB) MeasureStep(ViViTConfig config, VideoDataset data, int batchSize, int warmup, int steps, Device device, int seed, IZooCatalog? catalog = null)
    {
        torch.manual_seed(seed);
        using var model = FactorisedEncoderViViT.Create(config, catalog);
        model.to(device);
        model.train();
        using var opt = torch.optim.AdamW(model.TrainableParameters(), lr: 1e-4);
        var (x, y) = data.Batch(Enumerable.Range(0, batchSize).Select(i => i % data.Count).ToArray(), device);
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

/// <summary>
/// Analytic FLOPs (2 x multiply-adds of linears, convs and attention matmuls; norms, softmax and activations left out).
/// The spatial encoder's are read from its config (timm ViT / TNT field names); frozen training runs it forward only
/// (1x), full fine-tuning forward and backward (3x); the adapter, temporal transformer and head always cost 3x.
/// </summary>
public static class ViViTFlops
{
    /// <summary>Forward FLOPs of one frame through the spatial encoder (pooled embedding, no head); NaN when its config is not ViT- or TNT-shaped.</summary>
    public static double SpatialForward(JsonNode? c)
    {
        if (c is not JsonObject o) return double.NaN;
        double Get(string k, double dflt) => o[k] is JsonValue v && v.TryGetValue(out double d) ? d : dflt;
        if (o["img_size"] is null || o["patch_size"] is null || o["embed_dim"] is null || o["depth"] is null) return double.NaN;
        double img = Get("img_size", 224), p = Get("patch_size", 16), d = Get("embed_dim", 384), depth = Get("depth", 12), r = Get("mlp_ratio", 4), ch = Get("in_chans", 3);
        double n = (img / p) * (img / p), N = n + 1;
        double outer = 4 * N * d * d + 2 * N * N * d + 2 * r * N * d * d;
        if (o["inner_dim"] is not null)
        {
            // TNT (Han et al. 2021): 7x7 word conv, inner transformer over m words per patch, word->sentence projection, outer transformer.
            double ci = Get("inner_dim", 24), stride = Get("first_stride", 4), w = Math.Ceiling(p / stride), m = w * w;
            double macs = n * (ci * w * w) * (ch * 49) + n * m * ci * d;
            double inner = n * (12 * m * ci * ci + 2 * m * m * ci), proj = n * m * ci * d;
            return 2 * (macs + depth * (inner + proj + outer));
        }
        return 2 * (n * d * ch * p * p + depth * outer);
    }

    /// <summary>Forward FLOPs of adapter + temporal transformer + head for one clip.</summary>
    public static double TemporalForward(ViViTConfig c, int spatialDim)
    {
        double t = c.NumFrames, d = c.TemporalDim ?? spatialDim, N = t + 1, r = c.MlpRatio;
        double adapter = c.Adapter switch
        {
            AdapterKind.Linear => t * spatialDim * d,
            AdapterKind.Bottleneck => t * ((spatialDim != d ? spatialDim * d : 0) + 2 * d * c.AdapterDim),
            _ => 0,
        };
        double blocks = c.TemporalDepth * (4 * N * d * d + 2 * N * N * d + 2 * r * N * d * d);
        return 2 * (adapter + blocks + d * c.NumClasses);
    }

    /// <summary>Training FLOPs of one clip (forward + backward where gradients flow).</summary>
    public static double TrainPerClip(ViViTConfig c, string spatialType)
    {
        double fs = SpatialForward(c.SpatialConfig);
        int ds = c.SpatialConfig?["embed_dim"] is JsonValue v && v.TryGetValue(out int e) ? e : 0;
        double ft = TemporalForward(c, ds);
        return c.FreezeSpatial ? c.NumFrames * fs + 3 * ft : 3 * (c.NumFrames * fs + ft);
    }
}

