using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;

namespace Zoo.Plugins.ViViT;

/// <summary>Shared flow of <c>zoo demo vivit</c> and <c>zoo bench vivit</c>.</summary>
internal static class Comparison
{
    public static List<RecipeResult> Run(IZooContext context, CommonOptions common, ViViTCompareOptions s,
        IReadOnlyList<(string Name, Func<ViViTConfig, ViViTConfig> Apply)> recipes)
    {
        var output = context.Output;
        int seed = (int)(common.Seed ?? 0), steps = common.Steps ?? 120, batch = common.BatchSize ?? 16;
        string outDir = common.Out ?? "demo-output/vivit";
        var digits = ClipSources.Digits(common.Data is { } d && File.Exists(d) ? d : null);
        Directory.CreateDirectory(outDir);
        var spatialDir = Path.Combine(outDir, "spatial_pretrained");
        output.Line($"1. image pretraining of the spatial {s.Spatial} on digit stills (digit, column, row, angle) for {s.PretrainSteps} steps");
        RecipeComparison.PretrainSpatial(s.Spatial, ClipSources.JsonFile(s.SpatialConfig), digits, spatialDir, s.PretrainSteps, seed, context);
        var pre = Checkpoint.ReadInfo(spatialDir).Side<SpatialPretrainingReport>(SpatialPretrainingReport.Key) ?? new();
        string P(double? v) => RecipeComparison.Pct(v ?? double.NaN);
        output.Line($"   pretrained encoder on fresh stills: digit {P(pre.DigitAccuracy)}, column {P(pre.ColumnAccuracy)}, " +
            $"row {P(pre.RowAccuracy)}, angle {P(pre.AngleAccuracy)}");
        var baseCfg = new ViViTConfig
        {
            SpatialModel = s.Spatial, SpatialCheckpoint = spatialDir, NumFrames = s.Frames, NumClasses = MovingDigits.Actions.Length,
            TemporalDepth = s.TemporalDepth,
        };
        // The input spec comes from the pretrained encoder.
        ImageInputSpec spec;
        using (var probe = FactorisedEncoderViViT.Create(baseCfg with { TemporalInit = TemporalInit.Random }, context)) spec = probe.InputSpec;
        var train = MovingDigits.Generate(digits, s.TrainClips, s.Frames, spec, seed + 1);
        var test = MovingDigits.Generate(digits, s.TestClips, s.Frames, spec, seed + 2);
        output.Line($"2. moving digits: {train.Count} training / {test.Count} test clips of {s.Frames} frames ({spec.Width}px), " +
            $"{MovingDigits.Actions.Length} actions ({string.Join(", ", MovingDigits.Actions)}); " +
            $"chance {RecipeComparison.Pct(1.0 / MovingDigits.Actions.Length)}");
        var options = new VideoTrainOptions { Epochs = int.MaxValue, MaxSteps = steps, BatchSize = batch, LearningRate = common.Lr ?? 2e-3, Seed = seed };
        var results = new List<RecipeResult>();
        foreach (var (name, apply) in recipes)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            output.Line($"3. training {name} for {steps} steps (batch {batch})...");
            var r = RecipeComparison.Run(name, apply(baseCfg), train, test, options, context);
            output.Line($"   {name}: test top-1 {RecipeComparison.Pct(r.Accuracy)}, final loss {r.FinalLoss:F3} ({r.SecondsPerStep * r.Steps:F0} s)");
            results.Add(r);
        }
        // Step time and memory: measured apart on a fixed batch after warm-up, recipes alternating, best of two rounds
        // (the machine may be shared: the minimum is the least disturbed measurement).
        output.Line($"4. step cost: {s.TimedSteps} timed steps per recipe after 3 warm-up steps, two alternating rounds, best kept");
        var cfgs = recipes.Select(r => r.Apply(baseCfg)).ToArray();
        var best = results.Select(_ => (Seconds: double.MaxValue, Peak: double.MaxValue)).ToArray();
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < results.Count; i++)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var (sec, peak) = RecipeComparison.MeasureStep(cfgs[i], train, batch, 3, s.TimedSteps, seed, context);
                best[i] = (Math.Min(best[i].Seconds, sec), Math.Min(best[i].Peak, peak));
            }
        for (int i = 0; i < results.Count; i++) results[i] = results[i] with { SecondsPerStep = best[i].Seconds, PeakMiB = best[i].Peak };
        return results;
    }

    public static void Table(IZooOutput output, IReadOnlyList<RecipeResult> results, double peak)
    {
        string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        output.Table("recipes", ["recipe", "trainable / total params", "ms/step", "peak rise MiB", "GFLOP/step", "MFU", "test top-1"],
            results.Select(r => (IReadOnlyList<string>)[r.Recipe, $"{r.TrainableParameters:N0} / {r.Parameters:N0}", F(r.SecondsPerStep * 1000, "F0"),
                F(r.PeakMiB, "F0"), F(r.TrainFlopsPerStep / 1e9, "F3"),
                double.IsNaN(peak) || double.IsNaN(r.TrainFlopsPerStep) ? "n/a"
                    : RecipeComparison.Pct(MatmulPeak.Utilisation(r.TrainFlopsPerStep / r.SecondsPerStep, peak)),
                RecipeComparison.Pct(r.Accuracy)]));
    }

    public static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
}

/// <summary><c>zoo demo vivit</c>: the paper's comparison in miniature on generated moving digits.</summary>
public sealed class ViViTDemoRecipe() : Recipe<ViViTCompareOptions>(ZooVerbs.Demo, "vivit",
    "Pretrain a tiny ViT on digit stills, then train frozen+adapter, full fine-tuning and naive freezing on moving digits.")
{
    public override int Run(IZooContext context, CommonOptions common, ViViTCompareOptions s)
    {
        var results = Comparison.Run(context, common, s, TrainingRecipes.All);
        Comparison.Table(context.Output, results, double.NaN);
        var (f, b) = (results[0], results[1]);
        context.Output.Line($"frozen+adapter vs full fine-tuning: time per step x{Comparison.Ratio(f.SecondsPerStep, b.SecondsPerStep)}, " +
            $"peak memory x{Comparison.Ratio(f.PeakMiB, b.PeakMiB)}, accuracy {RecipeComparison.Pct(f.Accuracy)} vs {RecipeComparison.Pct(b.Accuracy)} " +
            $"(naive freezing {RecipeComparison.Pct(results[2].Accuracy)})");
        var spatial = Path.GetFullPath(Path.Combine(common.Out ?? "demo-output/vivit", "spatial_pretrained"));
        context.Output.Line($"pretrained spatial encoder: {spatial}; train your own with: zoo train vivit --spatial-checkpoint <that folder>");
        return 0;
    }
}

/// <summary>
/// <c>zoo bench vivit</c>: frozen spatial encoder + adapter (Gowda et al. 2023) against full fine-tuning in the same run and
/// on the same data/batches/steps: training-step time and peak-memory rise as ratios, accuracy after equal steps, and MFU
/// against <see cref="MatmulPeak"/> measured in the same run.
/// </summary>
public sealed class ViViTBenchRecipe() : Recipe<ViViTCompareOptions>(ZooVerbs.Bench, "vivit",
    "Frozen+adapter vs full fine-tuning in one run: step time and peak-memory ratios, accuracy after equal steps, MFU.")
{
    public override int Run(IZooContext context, CommonOptions common, ViViTCompareOptions s)
    {
        var output = context.Output;
        output.Line($"bench vivit: {context.Device.type}, {torch.get_num_threads()} threads, {Environment.ProcessorCount} logical CPUs");
        double peak = MatmulPeak.Measure(device: context.Device);
        output.Line($"matmul peak (fp32, same run): {peak / 1e9:F1} GFLOP/s");
        var results = Comparison.Run(context, common, s, TrainingRecipes.All.Take(2).ToArray());
        Comparison.Table(output, results, peak);
        var (f, b) = (results[0], results[1]);
        output.Line($"frozen+adapter / full fine-tuning: step time x{Comparison.Ratio(f.SecondsPerStep, b.SecondsPerStep)}, " +
            $"peak memory x{Comparison.Ratio(f.PeakMiB, b.PeakMiB)}, trainable parameters x{(double)f.TrainableParameters / b.TrainableParameters:F3}; " +
            $"test top-1 after {f.Steps} steps: {RecipeComparison.Pct(f.Accuracy)} vs {RecipeComparison.Pct(b.Accuracy)}");
        return 0;
    }
}
