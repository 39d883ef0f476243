using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.Continual;

/// <summary>Commands of the baselines: <c>zoo continual finetune|joint|replay</c>.</summary>
[ZooExport(typeof(IZooCommandProvider), "continual-baselines-commands", Task = ZooTasks.ContinualLearning, Paper = "Continual-learning baselines",
    Summary = "zoo continual finetune|joint|replay --model tnt --benchmark split-digits")]
public sealed class BaselineCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("continual", "finetune", typeof(ContinualCommand), "Split-Digits with naive fine-tuning: accuracy matrix, forgetting, heatmap PNG."),
        new("continual", "joint", typeof(ContinualCommand), "Split-Digits with joint (cumulative) training, the upper bound."),
        new("continual", "replay", typeof(ContinualCommand), "Split-Digits with reservoir experience replay (--set memory=200)."),
    ];
}

/// <summary>Builds backbones through the host's catalog (no compile-time reference to any model plugin).</summary>
public static class Backbones
{
    /// <summary>Small presets by field name; only fields the model's config has are applied (so one preset serves tnt and vit).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Presets = new Dictionary<string, IReadOnlyDictionary<string, int>>
    {
        // TNT-tiny of the TNT plugin (32x32, 8x8 patches of 4x4 words, d 64, c 16, depth 2).
        ["tiny"] = new Dictionary<string, int> { ["img_size"] = 32, ["patch_size"] = 8, ["in_chans"] = 3, ["embed_dim"] = 64, ["inner_dim"] = 16, ["depth"] = 2,
            ["num_heads_outer"] = 4, ["num_heads_inner"] = 2, ["num_heads"] = 4, ["first_stride"] = 2 },
        // The digits at 16x16, 4x4 patches: fast enough for CI.
        ["micro"] = new Dictionary<string, int> { ["img_size"] = 16, ["patch_size"] = 4, ["in_chans"] = 1, ["embed_dim"] = 32, ["inner_dim"] = 8, ["depth"] = 2,
            ["num_heads_outer"] = 2, ["num_heads_inner"] = 2, ["num_heads"] = 2, ["first_stride"] = 1 },
    };

    public static IZooCatalog Catalog => ZooRuntime.Catalog ?? throw new InvalidOperationException("No plugin catalog: run this through the zoo host (ZooRuntime.Catalog is not set).");

    /// <summary>A fresh backbone of <paramref name="model"/> ("tnt", "vit", ...): from a preset, a JSON config file, or a checkpoint folder.</summary>
    public static (nn.Module Module, IModelFactory Factory, object Config) Create(string model, string preset, string? configPath, string? checkpoint, int numClasses)
    {
        if (checkpoint != null)
        {
            var info = Checkpoint.ReadInfo(checkpoint);
            var f = Catalog.Get<IModelFactory>(info.Model);
            var (m, c, _) = Checkpoint.Load(checkpoint, f);
            return (m, f, c);
        }
        var factory = Catalog.Get<IModelFactory>(model);
        JsonObject json;
        if (configPath != null)
        {
            if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: config file not found.", configPath);
            try { json = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new InvalidDataException($"{configPath}: not a JSON object."); }
            catch (System.Text.Json.JsonException ex) { throw new InvalidDataException($"{configPath}: not valid JSON ({ex.Message}).", ex); }
        }
        else
        {
            json = (JsonObject)factory.ConfigToJson(factory.CreateDefaultConfig());
            if (!Presets.TryGetValue(preset, out var values))
                throw new ArgumentException($"Unknown preset '{preset}' (use {string.Join(", ", Presets.Keys)} or --config FILE).");
            foreach (var (k, v) in values)
                if (json.ContainsKey(k)) json[k] = v;
        }
        if (json.ContainsKey("num_classes")) json["num_classes"] = numClasses;
        var config = factory.ParseConfig(json);
        return (factory.CreateModel(config), factory, config);
    }
}

public sealed class ContinualSettingsCli : CommandSettings
{
    [CommandOption("--model <NAME>")]
    [Description("Backbone model plugin (an image classifier/encoder): tnt (default), vit, ...")]
    public string Model { get; init; } = "tnt";

    [CommandOption("--preset <NAME>")]
    [Description("Backbone size: tiny (32x32 TNT-tiny, default) or micro (16x16, grey).")]
    public string Preset { get; init; } = "tiny";

    [CommandOption("--config <FILE>")]
    [Description("A JSON config of the backbone instead of --preset.")]
    public string? Config { get; init; }

    [CommandOption("--backbone <DIR>")]
    [Description("Start from a (pre-trained) checkpoint folder instead of a random backbone.")]
    public string? Backbone { get; init; }

    [CommandOption("--benchmark <NAME>")]
    [Description("split-digits (class-incremental, 5 tasks x 2 classes; default) or split-digits-task (task-incremental).")]
    public string Benchmark { get; init; } = "split-digits";

    [CommandOption("--data <PATH>")]
    [Description("Digits CSV (.csv/.csv.gz); default: the shipped data/digits/digits.csv.gz.")]
    public string? Data { get; init; }

    [CommandOption("--epochs <N>")]
    public int Epochs { get; init; } = 3;

    [CommandOption("--batch-size <N>")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--lr <LR>")]
    public double LearningRate { get; init; } = 1e-3;

    [CommandOption("--seed <N>")]
    public long Seed { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Learner-specific setting, repeatable (e.g. --set memory=200).")]
    public string[] Set { get; init; } = [];

    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for summary.md, accuracy_matrix.csv and accuracy_matrix.png (default runs/continual/<learner>).")]
    public string? Out { get; init; }

    [CommandOption("--save <DIR>")]
    [Description("Also save the final backbone as a checkpoint folder (e.g. as input of zoo forget). Only the backbone: prompts/adapters of a learner are not in it.")]
    public string? Save { get; init; }

    public static Dictionary<string, string> ParseSet(IEnumerable<string> set)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in set)
        {
            int eq = s.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set expects KEY=VALUE, got '{s}'.");
            d[s[..eq].Trim()] = s[(eq + 1)..].Trim();
        }
        return d;
    }
}

/// <summary>
/// <c>zoo continual LEARNER --model tnt --benchmark split-digits</c>: runs any exported <see cref="IContinualLearner"/>
/// (found by the command's name through the catalog) on Split-Digits and writes the accuracy matrix, summary and heatmap.
/// </summary>
public sealed class ContinualCommand : Command<ContinualSettingsCli>
{
    public override int Execute(CommandContext context, ContinualSettingsCli s, CancellationToken cancellationToken)
    {
        var r = Run(context.Name, s);
        return double.IsNaN(r.Matrix.AverageAccuracy) ? 1 : 0;
    }

    public static ContinualResult Run(string learnerName, ContinualSettingsCli s)
    {
        bool taskIl = s.Benchmark switch
        {
            "split-digits" or "split-digits-class" => false,
            "split-digits-task" or "split-digits-til" => true,
            _ => throw new ArgumentException($"Unknown benchmark '{s.Benchmark}' (use split-digits or split-digits-task)."),
        };
        var dataPath = s.Data ?? DigitsFile.FindShipped() ?? throw new FileNotFoundException("No --data given and data/digits/digits.csv.gz was not found.");
        var digits = DigitsFile.Load(dataPath);
        var settings = new ContinualSettings
        {
            Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, TotalClasses = 10, TaskIncremental = taskIl, Seed = s.Seed,
            Extra = ContinualSettingsCli.ParseSet(s.Set),
        };
        torch.manual_seed(s.Seed);
        var (backbone, factory, config) = Backbones.Create(s.Model, s.Preset, s.Config, s.Backbone, 10);
        using var _b = backbone;
        var spec = ((IImageEncoder)backbone).InputSpec;
        var tasks = SplitDigits.Build(digits, spec, new SplitDigitsOptions { Seed = s.Seed });
        using var learner = Backbones.Catalog.Get<IContinualLearner>(learnerName);
        string bench = taskIl ? "split-digits-task" : "split-digits";
        AnsiConsole.MarkupLineInterpolated($"[bold]{learnerName}[/] on {bench}: {tasks.Count} tasks ({string.Join(" ", tasks.Select(t => t.Name))}), backbone {s.Model} ({backbone.parameters().Sum(p => p.numel()):N0} parameters, {spec.Height}x{spec.Width}x{spec.Channels}), {s.Epochs} epochs/task, device {ZooRuntime.Device.type}");
        var progressSync = new SyncProgress(p => AnsiConsole.MarkupLineInterpolated($"  {p.Stage}: epoch {p.Step}/{p.TotalSteps} loss {p.Loss:F4}"));
        var result = ContinualRunner.Run(learner, backbone, tasks, settings, learnerName, bench, progressSync, (i, m) =>
            AnsiConsole.MarkupLineInterpolated($"after task {i}: {string.Join("  ", Enumerable.Range(0, i + 1).Select(j => $"T{j} {100 * m[i, j]:F1}%"))}"));
        var outDir = s.Out ?? Path.Combine("runs", "continual", learnerName.Split('@')[0] + (taskIl ? "-task" : ""));
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "accuracy_matrix.csv"), result.Matrix.ToCsv());
        var summary = ContinualReport.SummaryTable([result]);
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.md"), summary + "\n```\n" + result.Matrix.ToTable() + "```\n");
        ContinualReport.Heatmap(Path.Combine(outDir, "accuracy_matrix.png"), result.Matrix, $"{learnerName} on {bench}: ACC {100 * result.Matrix.AverageAccuracy:F1}%");
        AnsiConsole.WriteLine(result.Matrix.ToTable());
        AnsiConsole.WriteLine(summary);
        AnsiConsole.MarkupLineInterpolated($"average accuracy [bold]{100 * result.Matrix.AverageAccuracy:F1}%[/], forgetting (from best, Chaudhry et al.) {100 * result.Matrix.ForgettingFromBest:F1} points, BWT {100 * result.Matrix.BackwardTransfer:F1}; {result.TotalSeconds:F1}s; written to {Path.GetFullPath(outDir)}");
        if (s.Save != null)
        {
            var info = factory.GetType().Assembly.GetName();
            var extra = new JsonObject
            {
                ["class_names"] = new JsonArray(Enumerable.Range(0, 10).Select(i => (JsonNode?)JsonValue.Create(i.ToString(CultureInfo.InvariantCulture))).ToArray()),
                ["continual"] = new JsonObject { ["learner"] = learnerName, ["benchmark"] = bench, ["average_accuracy"] = result.Matrix.AverageAccuracy, ["split_seed"] = s.Seed, ["test_fraction"] = 0.2 },
            };
            backbone.cpu();
            Checkpoint.Save(s.Save, s.Model, info.Version?.ToString(3) ?? "1.0.0", factory, config, backbone, extra);
            AnsiConsole.MarkupLineInterpolated($"backbone checkpoint: {Path.GetFullPath(s.Save)}");
        }
        return result;
    }
}

/// <summary>Reports progress synchronously on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
public sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

public sealed class ForgetSettingsCli : CommandSettings
{
    [CommandOption("-c|--checkpoint <DIR>")]
    [Description("Checkpoint folder of a trained image classifier (zoo train tnt, or zoo continual joint --save DIR).")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--classes <LIST>")]
    [Description("Classes to forget, e.g. 3,7; a sequence of requests with ';' (3;7 forgets 3, then 7).")]
    public string Classes { get; init; } = "";

    [CommandOption("--data <PATH>")]
    [Description("Digits CSV; default: the shipped data/digits/digits.csv.gz.")]
    public string? Data { get; init; }

    [CommandOption("--epochs <N>")]
    public int Epochs { get; init; } = 3;

    [CommandOption("--batch-size <N>")]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--lr <LR>")]
    public double LearningRate { get; init; } = 1e-3;

    [CommandOption("--seed <N>")]
    [Description("Seed of the 80/20 split (use the one the checkpoint was trained with) and of the unlearner.")]
    public long Seed { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Unlearner-specific setting, repeatable (e.g. --set alpha=10 --set lambda=1 for ssd).")]
    public string[] Set { get; init; } = [];

    [CommandOption("-o|--out <DIR>")]
    [Description("Where to write the edited checkpoint (default: <checkpoint>-forget-<unlearner>) with unlearning.md and unlearning.png inside.")]
    public string? Out { get; init; }
}

/// <summary><c>zoo forget UNLEARNER --checkpoint DIR --classes 3,7</c>: runs any exported <see cref="IUnlearner"/> on a checkpoint.</summary>
public sealed class ForgetCommand : Command<ForgetSettingsCli>
{
    public override int Execute(CommandContext context, ForgetSettingsCli s, CancellationToken cancellationToken)
    {
        Run(context.Name, s);
        return 0;
    }

    public static IReadOnlyList<UnlearningStep> Run(string unlearnerName, ForgetSettingsCli s)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint DIR is required.");
        var requests = UnlearningRunner.ParseRequests(s.Classes);
        var info = Checkpoint.ReadInfo(s.Checkpoint);
        var factory = Backbones.Catalog.Get<IModelFactory>(info.Model);
        var (model, config, _) = Checkpoint.Load(s.Checkpoint, factory);
        using var _m = model;
        var classifier = model as IImageClassifier ?? throw new InvalidDataException($"{s.Checkpoint}: model '{info.Model}' is not an image classifier.");
        if (classifier.NumClasses != 10) throw new InvalidDataException($"{s.Checkpoint}: the model has {classifier.NumClasses} classes; the digits have 10.");
        var dataPath = s.Data ?? DigitsFile.FindShipped() ?? throw new FileNotFoundException("No --data given and data/digits/digits.csv.gz was not found.");
        var digits = DigitsFile.Load(dataPath);
        model.to(ZooRuntime.Device);
        var (train, test) = SplitDigits.Full(digits, classifier.InputSpec, 0.2, s.Seed);
        var settings = new ContinualSettings
        {
            Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, TotalClasses = 10, Seed = s.Seed, Extra = ContinualSettingsCli.ParseSet(s.Set),
        };
        var unlearner = Backbones.Catalog.Get<IUnlearner>(unlearnerName);
        torch.manual_seed(s.Seed);
        AnsiConsole.MarkupLineInterpolated($"[bold]{unlearnerName}[/] on {info.Model} checkpoint {s.Checkpoint}: {requests.Count} request(s) {string.Join(" then ", requests.Select(r => "{" + string.Join(",", r) + "}"))}; {train.Count} train / {test.Count} test digits (split seed {s.Seed})");
        var steps = UnlearningRunner.Run(unlearner, model, train, test, requests, settings,
            new SyncProgress(p => AnsiConsole.MarkupLineInterpolated($"  {p.Stage}: {p.Step}/{p.TotalSteps}{(p.Loss is double l ? $" loss {l:F4}" : "")}")));
        var table = UnlearningRunner.Table(unlearnerName, steps);
        AnsiConsole.WriteLine(table);
        var outDir = s.Out ?? s.Checkpoint.TrimEnd('/', '\\') + "-forget-" + unlearnerName.Split('@')[0];
        model.cpu();
        var extra = info.Extra.DeepClone().AsObject();
        extra["unlearning"] = new JsonObject
        {
            ["unlearner"] = unlearnerName, ["classes"] = s.Classes, ["source"] = Path.GetFullPath(s.Checkpoint),
            ["steps"] = new JsonArray(steps.Select(st => (JsonNode?)new JsonObject
            {
                ["classes"] = string.Join(",", st.Classes), ["forget_before"] = st.ForgetBefore, ["forget_after"] = st.ForgetAfter,
                ["retain_before"] = st.RetainBefore, ["retain_after"] = st.RetainAfter, ["seconds"] = st.Seconds,
            }).ToArray()),
        };
        Checkpoint.Save(outDir, info.Model, info.Version, factory, config, model, extra, new Dictionary<string, string> { ["unlearning.md"] = table });
        ContinualReport.UnlearningBars(Path.Combine(outDir, "unlearning.png"), steps, $"{unlearnerName}: forget {s.Classes}");
        AnsiConsole.MarkupLineInterpolated($"edited checkpoint: {Path.GetFullPath(outDir)} (unlearning.md, unlearning.png inside)");
        foreach (var d in new[] { train, test }) { d.Inputs.Dispose(); d.Labels.Dispose(); }
        return steps;
    }
}
