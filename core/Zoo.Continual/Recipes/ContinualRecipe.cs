using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Data;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// <c>zoo continual LEARNER [--model vit:tiny] [--benchmark split-digits|split-digits-task] [learner options]</c>: runs the
/// catalog's <see cref="IContinualLearner"/> named <see cref="Model"/> on Split-Digits and writes accuracy_matrix.csv,
/// summary.md and the accuracy-matrix heat map (accuracy_matrix.png); tables go to <see cref="IZooContext.Output"/>.
/// <para>
/// Options: the recipe's <see cref="OptionsType"/> is <see cref="ComposedOptions"/> of <see cref="ContinualRunOptions"/> and
/// the learner's own record (<see cref="IContinualLearner.OptionsType"/>, e.g. <c>--memory</c> of replay), emitted once
/// per learner, so the host binds it like any options record (<see cref="OptionTypes"/> lists the parts).
/// <see cref="Run"/> also accepts a bare <see cref="ContinualRunOptions"/> (learner defaults). Hosts create one recipe
/// per catalog learner with <see cref="ContinualRecipes.FromCatalog"/>.
/// </para>
/// </summary>
public sealed class ContinualRecipe(string learnerName, Type learnerOptionsType, string? description = null) : IZooRecipe
{
    public string Verb => ZooVerbs.Continual;

    public string Model { get; } = learnerName;

    public string Description { get; } = description ?? $"Split-Digits with the {learnerName} learner: accuracy matrix, forgetting, heat map PNG.";

    /// <summary>The learner's own options record.</summary>
    public Type LearnerOptionsType { get; } = learnerOptionsType;

    /// <summary>The parts of <see cref="OptionsType"/>: the run's settings, then the learner's options.</summary>
    public IReadOnlyList<Type> OptionTypes => [typeof(ContinualRunOptions), LearnerOptionsType];

    public Type OptionsType => ComposedOptions.Compose("continual_" + Model, [.. OptionTypes]);

    /// <summary><c>--config FILE</c> (a backbone config JSON) is the common <c>--config-file</c>.</summary>
    public IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--config"] = "--config-file" };

    /// <summary>Options for a run from code: <paramref name="run"/> and the learner's <paramref name="learner"/> (defaults when null).</summary>
    public ComposedOptions CreateOptions(ContinualRunOptions? run = null, object? learner = null)
    {
        var o = (ComposedOptions)Activator.CreateInstance(OptionsType)!;
        if (run != null) o.With(run);
        if (learner != null) o.With(learner);
        return o;
    }

    public int Run(IZooContext context, CommonOptions common, object options) =>
        double.IsNaN(Execute(context, common, options).Matrix.AverageAccuracy) ? 1 : 0;

    /// <summary>Runs the learner and writes the reports; returns the result.</summary>
    public ContinualResult Execute(IZooContext context, CommonOptions common, object options)
    {
        var composed = options as ComposedOptions ?? CreateOptions(options as ContinualRunOptions
            ?? throw new ArgumentException($"continual {Model}: options are a {options.GetType().Name}, expected {OptionsType.Name}."));
        var run = composed.Part<ContinualRunOptions>();
        var learnerOptions = composed.Part(LearnerOptionsType);
        var backboneOverrides = OptionOverrides.Apply(common.Overrides, learnerOptions, run);
        var (taskIl, bench) = run.ResolveBenchmark();
        long seed = common.Seed ?? 0;
        var settings = new ContinualSettings
        {
            Epochs = common.Epochs ?? 3, BatchSize = common.BatchSize ?? 32, LearningRate = common.Lr ?? 1e-3, TotalClasses = DigitsCsv.Classes,
            TaskIncremental = taskIl, Seed = seed, Options = learnerOptions,
        };
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
            var progress = new SyncProgress(p => task.Describe($"{p.Stage}: epoch {p.Step}/{p.TotalSteps}{(p.Loss is double l ? $" loss {l:F4}" : "")}"));
            result = ContinualRunner.Run(learner, module, tasks, settings, Model, bench, context, progress, (i, m) =>
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
