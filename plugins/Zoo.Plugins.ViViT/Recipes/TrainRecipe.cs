using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Plots;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// <c>zoo train vivit[:preset]</c>: a factorised-encoder ViViT (frozen catalog image encoder + adapter, or full fine-tuning)
/// on a clip folder or generated moving digits. Writes config.json (with label names, sampling and a training summary),
/// model.safetensors and training_curves.png.
/// </summary>
public sealed class ViViTTrainRecipe() : Recipe<ViViTTrainOptions>(ZooVerbs.Train, "vivit",
    "Train a factorised-encoder ViViT (frozen catalog image encoder + adapter, or full fine-tuning) on clip folders or generated moving digits.")
{
    public override IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--config"] = "--config-file" };

    public override int Run(IZooContext context, CommonOptions common, ViViTTrainOptions s)
    {
        var factory = new ViViTFactory();
        var cfg = (ViViTConfig)factory.Configure(common.Preset, common.Overrides);
        var classes = ClipSources.ClassNames(common.Data);
        int seed = (int)(common.Seed ?? 0);
        int epochs = common.Epochs ?? 10, batch = common.BatchSize ?? 16;
        double lr = common.Lr ?? 2e-3;
        string outDir = common.Out ?? "runs/vivit";
        cfg = cfg with
        {
            SpatialModel = s.Spatial ?? cfg.SpatialModel,
            SpatialConfig = ClipSources.JsonFile(s.SpatialConfig) ?? cfg.SpatialConfig,
            SpatialCheckpoint = s.SpatialCheckpoint ?? cfg.SpatialCheckpoint,
            FreezeSpatial = !s.FullFinetune && cfg.FreezeSpatial,
            Adapter = s.Adapter is null ? cfg.Adapter : ClipSources.ParseEnum<AdapterKind>(s.Adapter, "--adapter"),
            AdapterDim = s.AdapterDim ?? cfg.AdapterDim,
            TemporalInit = s.TemporalInit is null ? cfg.TemporalInit : ClipSources.ParseEnum<TemporalInit>(s.TemporalInit, "--temporal-init"),
            TemporalInitCheckpoint = s.TemporalInitCheckpoint ?? cfg.TemporalInitCheckpoint,
            TemporalDepth = s.TemporalDepth ?? cfg.TemporalDepth,
            NumFrames = s.Frames ?? cfg.NumFrames,
            NumClasses = classes.Count,
        };
        var output = context.Output;
        string? pretrainDir = null;
        try
        {
            if (cfg.SpatialCheckpoint is null && s.PretrainSpatial > 0)
            {
                pretrainDir = Path.Combine(Path.GetTempPath(), $"zoo-vivit-spatial-{Guid.NewGuid():N}");
                output.Line($"pretraining the spatial {cfg.SpatialModel} on digit stills for {s.PretrainSpatial} steps...");
                var digits = ClipSources.Digits(s.Digits);
                RecipeComparison.PretrainSpatial(cfg.SpatialModel, cfg.SpatialConfig, digits, pretrainDir, s.PretrainSpatial, seed, context);
                cfg = cfg with { SpatialCheckpoint = pretrainDir };
            }
            torch.manual_seed(seed);
            using var model = FactorisedEncoderViViT.Create(cfg, context);
            var data = ClipSources.Load(common.Data, s, model.InputSpec, cfg.NumFrames, classes.Count, seed, context, classes);
            var (train, val) = data.Split(s.ValFraction, seed);
            output.Line($"vivit spatial {cfg.SpatialModel} ({(model.SpatialFrozen ? "frozen" : "fine-tuned")}), adapter {cfg.Adapter}, " +
                $"temporal init {cfg.TemporalInit}{(model.InitReport is null ? "" : $" ({model.InitReport})")}");
            output.Line($"{model.TrainableParameters().Sum(p => p.numel()):N0} trainable of {model.parameters().Sum(p => p.numel()):N0} parameters; " +
                $"{classes.Count} classes; train {train.Count} / val {val.Count} clips of {cfg.NumFrames} frames from {data.Description}; " +
                $"device {context.Device.type}");
            var options = new VideoTrainOptions
            {
                Epochs = epochs, MaxSteps = common.Steps, BatchSize = batch, LearningRate = lr, WeightDecay = s.WeightDecay, Seed = seed,
            };
            var hist = VideoTraining.Train(model, train, val, options, context,
                e => output.Line($"epoch {e.Epoch,3}/{epochs}  loss {e.TrainLoss:F4}  train {RecipeComparison.Pct(e.TrainAccuracy)}  " +
                    $"val {RecipeComparison.Pct(e.ValAccuracy ?? double.NaN)}  {e.Seconds:F1}s"));
            var eval = VideoTraining.Evaluate(model, val, batch * 2, context.Device);
            model.cpu();
            var side = new CheckpointSideData()
                .With(LabelNames.Key, new LabelNames { Names = classes })
                .With(ClipSampling.Key, new ClipSampling { Mode = s.Sampling, Stride = s.Stride })
                .With(VideoTrainingSummary.Key, new VideoTrainingSummary
                {
                    Data = common.Data ?? ClipSources.Generated, Epochs = epochs, BatchSize = batch, Lr = lr, Seed = seed, ValTop1 = eval.Top1,
                    FinalTrainLoss = hist.Count > 0 ? hist[^1].TrainLoss : null,
                });
            Checkpoint.Save(outDir, "vivit", ClipSources.Version(), factory, model.Config, model, side: side);
            PlotCurves(hist, Path.Combine(outDir, "training_curves.png"));
            output.Line($"held-out top-1 {RecipeComparison.Pct(eval.Top1)} on {eval.Total} clips; checkpoint {Path.GetFullPath(outDir)}");
            return 0;
        }
        finally
        {
            if (pretrainDir is not null && Directory.Exists(pretrainDir)) Directory.Delete(pretrainDir, true);
        }
    }

    /// <summary>Training loss and train/validation accuracy per epoch.</summary>
    public static void PlotCurves(IReadOnlyList<VideoEpoch> history, string path)
    {
        if (history.Count == 0) return;
        var series = new List<Series>
        {
            Series.Of("train loss", history.Select(h => h.TrainLoss).ToArray()),
            Series.Of("train accuracy", history.Select(h => h.TrainAccuracy).ToArray()),
        };
        if (history.All(h => h.ValAccuracy is not null)) series.Add(Series.Of("validation accuracy", history.Select(h => h.ValAccuracy!.Value).ToArray()));
        PlotWriter.Lines(path, "ViViT training", "epoch", "loss / accuracy", series);
    }
}
