using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

public class ViViTCompareSettings : CommandSettings
{
    [CommandOption("--spatial <NAME>")]
    [Description("Catalog image-encoder model.")]
    [DefaultValue("vit")]
    public string Spatial { get; init; } = "vit";

    [CommandOption("--spatial-config <JSON>")]
    [Description("The spatial model's config JSON file (default: a 32px 2-layer ViT, width 64).")]
    public string? SpatialConfig { get; init; }

    [CommandOption("--pretrain-steps <N>")]
    [Description("Spatial image pretraining steps on digit stills before the video runs.")]
    [DefaultValue(200)]
    public int PretrainSteps { get; init; } = 200;

    [CommandOption("--frames <N>")]
    [DefaultValue(6)]
    public int Frames { get; init; } = 6;

    [CommandOption("--train-clips <N>")]
    [DefaultValue(360)]
    public int TrainClips { get; init; } = 360;

    [CommandOption("--test-clips <N>")]
    [DefaultValue(180)]
    public int TestClips { get; init; } = 180;

    [CommandOption("--steps <N>")]
    [Description("Optimiser steps per recipe (the same for every recipe).")]
    [DefaultValue(120)]
    public int Steps { get; init; } = 120;

    [CommandOption("--timed-steps <N>")]
    [Description("Training steps timed per recipe and round for the cost figures.")]
    [DefaultValue(10)]
    public int TimedSteps { get; init; } = 10;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(16)]
    public int BatchSize { get; init; } = 16;

    [CommandOption("--lr <LR>")]
    [DefaultValue(2e-3)]
    public double LearningRate { get; init; } = 2e-3;

    [CommandOption("--temporal-depth <N>")]
    [DefaultValue(2)]
    public int TemporalDepth { get; init; } = 2;

    [CommandOption("--seed <N>")]
    [DefaultValue(0)]
    public int Seed { get; init; }

    [CommandOption("-o|--out <DIR>")]
    [Description("Where the pretrained spatial checkpoint and plots go.")]
    [DefaultValue("demo-output/vivit")]
    public string Out { get; init; } = "demo-output/vivit";
}

/// <summary>Shared flow of <c>zoo demo vivit</c> and <c>zoo bench vivit</c>.</summary>
internal static class Comparison
{
    public static List<RecipeResult> Run(ViViTCompareSettings s, IEnumerable<(string Name, Func<ViViTConfig, ViViTConfig> Apply)> recipes, CancellationToken cancel)
    {
        CommandSupport.EnsureCatalog();
        var device = ZooRuntime.Device;
        var digits = CommandSupport.Digits(null);
        Directory.CreateDirectory(s.Out);
        var spatialDir = Path.Combine(s.Out, "spatial_pretrained");
        var spatialCfg = s.SpatialConfig is null ? null : System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(s.SpatialConfig));
        AnsiConsole.MarkupLineInterpolated($"1. image pretraining of the spatial [bold]{s.Spatial}[/] on digit stills (digit, column, row, angle) for {s.PretrainSteps} steps");
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("spatial pretraining", maxValue: Math.Max(1, s.PretrainSteps));
            RecipeComparison.PretrainSpatial(s.Spatial, spatialCfg, digits, spatialDir, s.PretrainSteps, s.Seed, device, onProgress: (step, _) => task.Value = step);
        });
        var info = Checkpoint.ReadInfo(spatialDir);
        double Acc(string k) => info.Extra["pretraining"]?[k + "_accuracy"]?.GetValue<double>() ?? double.NaN;
        AnsiConsole.MarkupLineInterpolated($"   pretrained encoder on fresh stills: digit {RecipeComparison.Pct(Acc("digit"))}, column {RecipeComparison.Pct(Acc("column"))}, row {RecipeComparison.Pct(Acc("row"))}, angle {RecipeComparison.Pct(Acc("angle"))}");
        var baseCfg = new ViViTConfig
        {
            SpatialModel = s.Spatial, SpatialCheckpoint = spatialDir, NumFrames = s.Frames, NumClasses = MovingDigits.Actions.Length,
            TemporalDepth = s.TemporalDepth,
        };
        // The spec comes from the pretrained encoder.
        ImageInputSpec spec;
        using (var probe = FactorisedEncoderViViT.Create(baseCfg with { TemporalInit = TemporalInit.Random })) spec = probe.InputSpec;
        var train = MovingDigits.Generate(digits, s.TrainClips, s.Frames, spec, s.Seed + 1);
        var test = MovingDigits.Generate(digits, s.TestClips, s.Frames, spec, s.Seed + 2);
        AnsiConsole.MarkupLineInterpolated($"2. moving digits: {train.Count} training / {test.Count} test clips of {s.Frames} frames ({spec.Width}px), {MovingDigits.Actions.Length} actions ({string.Join(", ", MovingDigits.Actions)}); chance {RecipeComparison.Pct(1.0 / MovingDigits.Actions.Length)}");
        var options = new VideoTrainOptions { Epochs = int.MaxValue, MaxSteps = s.Steps, BatchSize = s.BatchSize, LearningRate = s.LearningRate, Seed = s.Seed };
        var results = new List<RecipeResult>();
        foreach (var (name, apply) in recipes)
        {
            cancel.ThrowIfCancellationRequested();
            AnsiConsole.MarkupLineInterpolated($"3. training [bold]{name}[/] for {s.Steps} steps (batch {s.BatchSize})...");
            var r = RecipeComparison.Run(name, apply(baseCfg), train, test, options, device);
            AnsiConsole.MarkupLineInterpolated($"   {name}: test top-1 {RecipeComparison.Pct(r.Accuracy)}, final loss {r.FinalLoss:F3} ({r.SecondsPerStep * r.Steps:F0} s)");
            results.Add(r);
        }
        // Step time and memory: measured apart on a fixed batch after warm-up, recipes alternating, best of two rounds
        // (the machine may be shared: the minimum is the least disturbed measurement).
        AnsiConsole.MarkupLineInterpolated($"4. step cost: {s.TimedSteps} timed steps per recipe after 3 warm-up steps, two alternating rounds, best kept");
        var cfgs = recipes.Select(r => r.Apply(baseCfg)).ToArray();
        var best = results.Select(_ => (Seconds: double.MaxValue, Peak: double.MaxValue)).ToArray();
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < results.Count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                var (sec, peak) = RecipeComparison.MeasureStep(cfgs[i], train, s.BatchSize, 3, s.TimedSteps, device, s.Seed);
                best[i] = (Math.Min(best[i].Seconds, sec), Math.Min(best[i].Peak, peak));
            }
        for (int i = 0; i < results.Count; i++) results[i] = results[i] with { SecondsPerStep = best[i].Seconds, PeakMiB = best[i].Peak };
        return results;
    }

    public static Table Table(IReadOnlyList<RecipeResult> results, double peak)
    {
        var t = new Table().AddColumns("recipe", "trainable / total params", "ms/step", "peak rise MiB", "GFLOP/step", "MFU", "test top-1");
        foreach (var r in results)
            t.AddRow(r.Recipe, $"{r.TrainableParameters:N0} / {r.Parameters:N0}", (r.SecondsPerStep * 1000).ToString("F0", CultureInfo.InvariantCulture),
                r.PeakMiB.ToString("F0", CultureInfo.InvariantCulture), (r.TrainFlopsPerStep / 1e9).ToString("F3", CultureInfo.InvariantCulture),
                double.IsNaN(peak) || double.IsNaN(r.TrainFlopsPerStep) ? "n/a" : RecipeComparison.Pct(MatmulPeak.Utilisation(r.TrainFlopsPerStep / r.SecondsPerStep, peak)),
                RecipeComparison.Pct(r.Accuracy));
        return t;
    }
}

/// <summary><c>zoo demo vivit</c>: the paper's comparison in miniature on generated moving digits.</summary>
public sealed class ViViTDemoCommand : Command<ViViTCompareSettings>
{
    public override int Execute(CommandContext context, ViViTCompareSettings s, CancellationToken cancellationToken)
    {
        var results = Comparison.Run(s, TrainingRecipes.All, cancellationToken);
        AnsiConsole.Write(Comparison.Table(results, double.NaN));
        var (f, b) = (results[0], results[1]);
        AnsiConsole.MarkupLineInterpolated($"frozen+adapter vs full fine-tuning: time per step x{f.SecondsPerStep / b.SecondsPerStep:F2}, peak memory x{(b.PeakMiB > 0 ? f.PeakMiB / b.PeakMiB : double.NaN):F2}, accuracy {RecipeComparison.Pct(f.Accuracy)} vs {RecipeComparison.Pct(b.Accuracy)} (naive freezing {RecipeComparison.Pct(results[2].Accuracy)})");
        AnsiConsole.MarkupLineInterpolated($"pretrained spatial encoder: {Path.GetFullPath(Path.Combine(s.Out, "spatial_pretrained"))}; train your own with: zoo train vivit --spatial-checkpoint <that folder>");
        return 0;
    }
}

/// <summary>
/// <c>zoo bench vivit</c>: frozen spatial encoder + adapter (Gowda et al. 2023) against full fine-tuning in the same run and
/// on the same data/batches/steps: training-step time and peak-memory rise as ratios, accuracy after equal steps, and MFU
/// against <see cref="MatmulPeak"/> measured in the same run.
/// </summary>
public sealed class ViViTBenchCommand : Command<ViViTCompareSettings>
{
    public override int Execute(CommandContext context, ViViTCompareSettings s, CancellationToken cancellationToken)
    {
        var device = ZooRuntime.Device;
        AnsiConsole.MarkupLineInterpolated($"bench vivit: {device.type}, {torch.get_num_threads()} threads, {Environment.ProcessorCount} logical CPUs");
        double peak = MatmulPeak.Measure(device: device);
        AnsiConsole.MarkupLineInterpolated($"matmul peak (fp32, same run): {peak / 1e9:F1} GFLOP/s");
        var results = Comparison.Run(s, TrainingRecipes.All.Take(2), cancellationToken);
        AnsiConsole.Write(Comparison.Table(results, peak));
        var (f, b) = (results[0], results[1]);
        AnsiConsole.MarkupLineInterpolated($"[bold]frozen+adapter / full fine-tuning[/]: step time x{f.SecondsPerStep / b.SecondsPerStep:F2}, peak memory x{(b.PeakMiB > 0 ? f.PeakMiB / b.PeakMiB : double.NaN):F2}, trainable parameters x{(double)f.TrainableParameters / b.TrainableParameters:F3}; test top-1 after {f.Steps} steps: {RecipeComparison.Pct(f.Accuracy)} vs {RecipeComparison.Pct(b.Accuracy)}");
        return 0;
    }
}
