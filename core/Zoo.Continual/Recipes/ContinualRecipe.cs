using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Data;

namespace Zoo.Continual;

/// <summary>
/// <c>zoo continual LEARNER [--model vit:tiny] [--benchmark split-digits|split-digits-task] [learner options]</c>: runs the
/// catalog's <see cref="IContinualLearner"/> named LEARNER on Split-Digits and writes accuracy_matrix.csv,
/// summary.md and the accuracy-matrix heat map (accuracy_matrix.png); tables go to <see cref="IZooContext.Output"/>.
/// Options: <see cref="ContinualRunOptions"/> and the learner's own record (<see cref="IContinualLearner.OptionsType"/>, e.g.
/// <c>--memory</c> of replay), composed by <see cref="ComponentRecipe{TRun}"/>. Hosts create one recipe per catalog learner
/// with <see cref="ContinualRecipes.FromCatalog"/>.
/// </summary>
public sealed class ContinualRecipe(string learnerName, Type learnerOptionsType, string? description = null)
    : ComponentRecipe<ContinualRunOptions>(ZooVerbs.Continual, learnerName, learnerOptionsType,
        description ?? $"Split-Digits with the {learnerName} learner: accuracy matrix, forgetting, heat map PNG.")
{
    /// <summary><c>--config FILE</c> (a backbone config JSON) is the common <c>--config-file</c>.</summary>
    public override IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--config"] = "--config-file" };

    public override int Run(IZooContext context, CommonOptions common, object options) =>
        double.IsNaN(Execute(context, common, options).Matrix.AverageAccuracy) ? 1 : 0;

    /// <summary>Runs the learner and writes the reports; returns the result.</summary>
    public ContinualResult Execute(IZooContext context, CommonOptions common, object options)
    {
        var (run, learnerOptions) = Parts(options);
        var backboneOverrides = OptionOverrides.Apply(common.Overrides, learnerOptions, run);
        var (taskIl, bench) = run.ResolveBenchmark();
        long seed = common.Seed ?? 0;
        var settings = DigitsSettings(common, learnerOptions, taskIl);
        var digits = DigitsCsv.LoadOrShipped(common.Data);
        torch.manual_seed(seed);
        var backbone = Backbones.Create(context, run.Model, common.Preset, backboneOverrides, run.Backbone, DigitsCsv.Classes);
        using var module = backbone.Module;
        var spec = ((IImageEncoder)module).InputSpec;
        var tasks = SplitDigits.Build(digits, spec, new SplitDigitsOptions { Seed = seed });
        using var learner = context.Catalog.Get<IContinualLearner>(Model);
        var o = context.Output;
        o.Line($"{Model} on {bench}: {tasks.Count} tasks ({string.Join(" ", tasks.Select(t => t.Name))}), backbone {backbone.Name} "
            + $"({module.parameters().Sum(p => p.numel()):N0} parameters, {spec.Height}x{spec.Width}x{spec.Channels}), "
            + $"{settings.Epochs} epochs/task, device {context.Device.type}");
        ContinualResult result;
        using (var task = context.Progress.Start($"{Model} on {bench}", tasks.Count))
        {
            result = ContinualRunner.Run(learner, module, tasks, settings, Model, bench, context, Describing(task, "epoch "), (i, m) =>
            {
                task.Advance();
                o.Line($"after task {i}: {string.Join("  ", Enumerable.Range(0, i + 1).Select(j => $"T{j} {100 * m[i, j]:F1}%"))}");
            });
        }
        var outDir = common.Out ?? Path.Combine("runs", "continual", Model.Split('@')[0] + (taskIl ? "-task" : ""));
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "accuracy_matrix.csv"), result.Matrix.ToCsv());
        var summary = ContinualReport.SummaryTable([result]);
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.md"), summary + "\n```\n" + result.Matrix.ToTable() + "```\n");
        var acc = 100 * result.Matrix.AverageAccuracy;
        ContinualReport.Heatmap(Path.Combine(outDir, "accuracy_matrix.png"), result.Matrix,
            $"{Model} on {bench}: ACC {acc.ToString("F1", CultureInfo.InvariantCulture)}%");
        var (headers, rows) = ContinualReport.MatrixRows(result.Matrix);
        o.Table("accuracy matrix A[i, j] (%): after learning task i, tested on task j", headers, rows);
        o.Table("summary", ContinualReport.SummaryHeaders, [ContinualReport.SummaryRow(result)]);
        o.Line($"average accuracy {acc:F1}%, forgetting (from best, Chaudhry et al.) {100 * result.Matrix.ForgettingFromBest:F1} points, "
            + $"BWT {100 * result.Matrix.BackwardTransfer:F1}; {result.TotalSeconds:F1}s; written to {Path.GetFullPath(outDir)}");
        if (run.Save != null) Save(run.Save, backbone, result, seed, context);
        return result;
    }

    private static void Save(string dir, Backbone backbone, ContinualResult result, long seed, IZooContext context)
    {
        backbone.Module.cpu();
        var side = new CheckpointSideData()
            .With(LabelNames.Key, new LabelNames { Names = DigitsCsv.ClassNames })
            .With(ContinualProvenance.Key, new ContinualProvenance
            {
                Learner = result.Learner, Benchmark = result.Benchmark, AverageAccuracy = result.Matrix.AverageAccuracy, SplitSeed = seed, TestFraction = 0.2,
            });
        Checkpoint.Save(dir, backbone.Name, backbone.Version, backbone.Factory, backbone.Config, backbone.Module, side: side);
        context.Output.Line($"backbone checkpoint: {Path.GetFullPath(dir)}");
    }
}

/// <summary>How a checkpoint saved by <c>zoo continual --save</c> was trained (side data under "continual").</summary>
public sealed record ContinualProvenance
{
    public const string Key = "continual";

    public string Learner { get; init; } = "";

    public string Benchmark { get; init; } = "";

    public double AverageAccuracy { get; init; }

    public long SplitSeed { get; init; }

    public double TestFraction { get; init; }
}
