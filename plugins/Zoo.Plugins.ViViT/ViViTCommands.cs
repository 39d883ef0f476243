using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>The CLI verbs of this plugin.</summary>
[ZooExport(typeof(IZooCommandProvider), "vivit-commands", Task = ZooTasks.VideoClassification, Paper = "Optimizing ViViT Training: Time and Memory Reduction for Action Recognition",
    ArxivId = "2306.04822", Summary = "zoo train|eval|predict vivit, zoo demo vivit, zoo bench vivit")]
public sealed class ViViTCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("train", "vivit", typeof(ViViTTrainCommand), "Train a factorised-encoder ViViT (frozen catalog image encoder + adapter, or full fine-tuning) on clip folders or generated moving digits."),
        new("eval", "vivit", typeof(ViViTEvalCommand), "Top-1, per-class accuracy and a confusion-matrix PNG of a ViViT checkpoint."),
        new("predict", "vivit", typeof(ViViTPredictCommand), "Classify clips (frame folders, animated GIF/WebP) with a ViViT checkpoint."),
        new("demo", "vivit", typeof(ViViTDemoCommand), "Pretrain a tiny ViT on digit stills, then train frozen+adapter, full fine-tuning and naive freezing on moving digits."),
        new("bench", "vivit", typeof(ViViTBenchCommand), "Frozen+adapter vs full fine-tuning in one run: step time and peak-memory ratios, accuracy after equal steps, MFU."),
    ];
}

public class ViViTDataSettings : CommandSettings
{
    [CommandOption("--data <PATH>")]
    [Description("A clip folder (root/<class>/<clip>, a clip = folder of frames or animated .gif/.webp) or \"generated\" (moving digits from data/digits). Default generated.")]
    [DefaultValue("generated")]
    public string Data { get; init; } = "generated";

    [CommandOption("--clips <N>")]
    [Description("Generated clips (with --data generated).")]
    [DefaultValue(600)]
    public int Clips { get; init; } = 600;

    [CommandOption("--digits <CSV>")]
    [Description("The digits CSV for generated clips (default: the shipped data/digits/digits.csv.gz).")]
    public string? Digits { get; init; }

    [CommandOption("--sampling <MODE>")]
    [Description("uniform or strided frame sampling.")]
    [DefaultValue("uniform")]
    public string Sampling { get; init; } = "uniform";

    [CommandOption("--stride <N>")]
    [DefaultValue(2)]
    public int Stride { get; init; } = 2;

    [CommandOption("--bad-clips <skip|reject>")]
    [DefaultValue("skip")]
    public string BadClips { get; init; } = "skip";

    [CommandOption("--seed <N>")]
    [DefaultValue(0)]
    public int Seed { get; init; }
}

public sealed class ViViTTrainSettings : ViViTDataSettings
{
    [CommandOption("-o|--out <DIR>")]
    [Description("Checkpoint folder to write (config.json + model.safetensors + training_curves.png).")]
    [DefaultValue("runs/vivit")]
    public string Out { get; init; } = "runs/vivit";

    [CommandOption("--config <JSON>")]
    [Description("A ViViT config JSON file (snake_case fields); the options below override it.")]
    public string? Config { get; init; }

    [CommandOption("--spatial <NAME>")]
    [Description("Catalog image-encoder model (e.g. vit, tnt, vit@1.0.0). Default vit.")]
    public string? Spatial { get; init; }

    [CommandOption("--spatial-config <JSON>")]
    [Description("The spatial model's config JSON file (its own field names). Default: a 32px 2-layer ViT.")]
    public string? SpatialConfig { get; init; }

    [CommandOption("--spatial-checkpoint <DIR>")]
    [Description("A checkpoint folder of the spatial model (e.g. from zoo train vit) to freeze.")]
    public string? SpatialCheckpoint { get; init; }

    [CommandOption("--pretrain-spatial <STEPS>")]
    [Description("Without --spatial-checkpoint: first pretrain the spatial model on digit stills for STEPS steps (0: keep it random).")]
    [DefaultValue(0)]
    public int PretrainSpatial { get; init; }

    [CommandOption("--full-finetune")]
    [Description("Baseline: train the spatial encoder too (default: frozen).")]
    public bool FullFinetune { get; init; }

    [CommandOption("--adapter <KIND>")]
    [Description("bottleneck, linear or none.")]
    public string? Adapter { get; init; }

    [CommandOption("--adapter-dim <N>")]
    public int? AdapterDim { get; init; }

    [CommandOption("--temporal-init <KIND>")]
    [Description("random, spatial_first, spatial_last or checkpoint.")]
    public string? TemporalInit { get; init; }

    [CommandOption("--temporal-init-checkpoint <DIR>")]
    [Description("ViViT checkpoint whose temporal transformer initialises this one (with --temporal-init checkpoint).")]
    public string? TemporalInitCheckpoint { get; init; }

    [CommandOption("--temporal-depth <N>")]
    public int? TemporalDepth { get; init; }

    [CommandOption("--frames <N>")]
    [Description("Frames per clip n_t.")]
    public int? Frames { get; init; }

    [CommandOption("--epochs <N>")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = 10;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(16)]
    public int BatchSize { get; init; } = 16;

    [CommandOption("--lr <LR>")]
    [DefaultValue(2e-3)]
    public double LearningRate { get; init; } = 2e-3;

    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(0.05)]
    public double WeightDecay { get; init; } = 0.05;

    [CommandOption("--val-fraction <F>")]
    [DefaultValue(0.2)]
    public double ValFraction { get; init; } = 0.2;
}

/// <summary>Data and config helpers shared by the commands.</summary>
internal static class CommandSupport
{
    public static void EnsureCatalog()
    {
        if (ZooRuntime.Catalog is null) throw new InvalidOperationException("No plugin catalog: run vivit commands through the zoo host.");
    }

    public static DigitsCsv Digits(string? path) =>
        DigitsCsv.Load(path ?? DigitsCsv.FindShipped() ?? throw new FileNotFoundException("data/digits/digits.csv.gz not found; pass --digits."));

    public static bool SkipBad(string s) => s.Trim().ToLowerInvariant() switch
    {
        "skip" => true,
        "reject" => false,
        _ => throw new ArgumentException($"--bad-clips must be skip or reject, got '{s}'."),
    };

    /// <summary>Loads clips for a model: generated moving digits or a clip folder (class order from <paramref name="classNames"/> if given).</summary>
    public static VideoDataset Load(ViViTDataSettings s, ImageInputSpec spec, int frames, int classes, int seed, IReadOnlyList<string>? classNames = null, int? count = null)
    {
        if (s.Data.Equals("generated", StringComparison.OrdinalIgnoreCase))
            return MovingDigits.Generate(Digits(s.Digits), count ?? s.Clips, frames, spec, seed, classes);
        return VideoFolderDataset.Load(s.Data, spec, FrameSampling.Parse(s.Sampling), frames, s.Stride, SkipBad(s.BadClips),
            b => AnsiConsole.MarkupLineInterpolated($"[yellow]skipped clip[/] {b.Path}: {b.Reason}"), classNames);
    }

    /// <summary>Class names of a clip folder (sorted sub-folders) or of the generated actions.</summary>
    public static IReadOnlyList<string> ClassNames(ViViTDataSettings s) =>
        s.Data.Equals("generated", StringComparison.OrdinalIgnoreCase)
            ? MovingDigits.Actions
            : Directory.Exists(s.Data)
                ? Directory.GetDirectories(s.Data).Select(d => Path.GetFileName(d) ?? "").Where(n => n.Length > 0 && !n.StartsWith('.')).OrderBy(n => n, StringComparer.Ordinal).ToArray()
                : throw new DirectoryNotFoundException($"{s.Data}: clip folder not found.");

    public static (FactorisedEncoderViViT Model, IReadOnlyList<string> Classes, JsonObject Extra) LoadCheckpoint(string dir, Device device)
    {
        EnsureCatalog();
        var (module, _, info) = Checkpoint.Load(dir, new ViViTFactory());
        var model = (FactorisedEncoderViViT)module;
        IReadOnlyList<string> classes = info.Extra["class_names"] is JsonArray arr ? arr.Select(n => n!.GetValue<string>()).ToArray()
            : Enumerable.Range(0, model.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (classes.Count != model.NumClasses)
        {
            model.Dispose();
            throw new InvalidDataException($"{Path.Combine(dir, Checkpoint.ConfigFile)}: {classes.Count} class names for {model.NumClasses} classes.");
        }
        model.to(device);
        model.eval();
        return (model, classes, info.Extra);
    }

    public static void PrintEval(VideoEvalResult r, IReadOnlyList<string> classes)
    {
        var t = new Table().AddColumns("class", "clips", "recall");
        for (int c = 0; c < classes.Count; c++)
        {
            long n = 0;
            for (int p = 0; p < classes.Count; p++) n += r.Confusion[c, p];
            t.AddRow(Markup.Escape(classes[c]), n.ToString(CultureInfo.InvariantCulture), RecipeComparison.Pct(r.PerClass[c]));
        }
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLineInterpolated($"top-1 [bold]{RecipeComparison.Pct(r.Top1)}[/] ({r.Correct}/{r.Total}); chance {RecipeComparison.Pct(1.0 / classes.Count)}");
    }
}

/// <summary><c>zoo train vivit</c>.</summary>
public sealed class ViViTTrainCommand : Command<ViViTTrainSettings>
{
    public override int Execute(CommandContext context, ViViTTrainSettings s, CancellationToken cancellationToken)
    {
        CommandSupport.EnsureCatalog();
        var device = ZooRuntime.Device;
        var factory = new ViViTFactory();
        var cfg = s.Config is null ? new ViViTConfig() : (ViViTConfig)factory.ParseConfig(JsonNode.Parse(File.ReadAllText(s.Config)));
        var classes = CommandSupport.ClassNames(s);
        cfg = cfg with
        {
            SpatialModel = s.Spatial ?? cfg.SpatialModel,
            SpatialConfig = s.SpatialConfig is null ? cfg.SpatialConfig : JsonNode.Parse(File.ReadAllText(s.SpatialConfig)),
            SpatialCheckpoint = s.SpatialCheckpoint ?? cfg.SpatialCheckpoint,
            FreezeSpatial = !s.FullFinetune && cfg.FreezeSpatial,
            Adapter = s.Adapter is null ? cfg.Adapter : ParseEnum<AdapterKind>(s.Adapter, "--adapter"),
            AdapterDim = s.AdapterDim ?? cfg.AdapterDim,
            TemporalInit = s.TemporalInit is null ? cfg.TemporalInit : ParseEnum<TemporalInit>(s.TemporalInit, "--temporal-init"),
            TemporalInitCheckpoint = s.TemporalInitCheckpoint ?? cfg.TemporalInitCheckpoint,
            TemporalDepth = s.TemporalDepth ?? cfg.TemporalDepth,
            NumFrames = s.Frames ?? cfg.NumFrames,
            NumClasses = classes.Count,
        };
        string? pretrainDir = null;
        try
        {
            if (cfg.SpatialCheckpoint is null && s.PretrainSpatial > 0)
            {
                pretrainDir = Path.Combine(Path.GetTempPath(), $"zoo-vivit-spatial-{Guid.NewGuid():N}");
                AnsiConsole.MarkupLineInterpolated($"pretraining the spatial {cfg.SpatialModel} on digit stills for {s.PretrainSpatial} steps...");
                RecipeComparison.PretrainSpatial(cfg.SpatialModel, cfg.SpatialConfig, CommandSupport.Digits(s.Digits), pretrainDir, s.PretrainSpatial, s.Seed, device);
                cfg = cfg with { SpatialCheckpoint = pretrainDir };
            }
            torch.manual_seed(s.Seed);
            using var model = FactorisedEncoderViViT.Create(cfg);
            var data = CommandSupport.Load(s, model.InputSpec, cfg.NumFrames, classes.Count, s.Seed, classes);
            var (train, val) = data.Split(s.ValFraction, s.Seed);
            AnsiConsole.MarkupLineInterpolated($"[bold]vivit[/] spatial {cfg.SpatialModel} ({(model.SpatialFrozen ? "frozen" : "fine-tuned")}), adapter {cfg.Adapter}, temporal init {cfg.TemporalInit}{(model.InitReport is null ? "" : $" ({model.InitReport})")}");
            AnsiConsole.MarkupLineInterpolated($"{model.TrainableParameters().Sum(p => p.numel()):N0} trainable of {model.parameters().Sum(p => p.numel()):N0} parameters; {classes.Count} classes; train {train.Count} / val {val.Count} clips of {cfg.NumFrames} frames from {data.Description}; device {device.type}");
            var hist = ViViTTraining.Train(model, train, val, new VideoTrainOptions { Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, WeightDecay = s.WeightDecay, Seed = s.Seed },
                e => AnsiConsole.MarkupLineInterpolated($"epoch {e.Epoch,3}/{s.Epochs}  loss {e.TrainLoss:F4}  train {RecipeComparison.Pct(e.TrainAccuracy)}  val {RecipeComparison.Pct(e.ValAccuracy ?? double.NaN)}  {e.Seconds:F1}s"),
                device, cancellationToken);
            var eval = ViViTTraining.Evaluate(model, val, s.BatchSize * 2, device);
            model.cpu();
            var extra = new JsonObject
            {
                ["class_names"] = new JsonArray(classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
                ["sampling"] = new JsonObject { ["mode"] = s.Sampling, ["stride"] = s.Stride },
                ["training"] = new JsonObject
                {
                    ["data"] = s.Data, ["epochs"] = s.Epochs, ["batch_size"] = s.BatchSize, ["lr"] = s.LearningRate, ["seed"] = s.Seed,
                    ["val_top1"] = eval.Top1, ["final_train_loss"] = hist.Count > 0 ? hist[^1].TrainLoss : null,
                },
            };
            Checkpoint.Save(s.Out, "vivit", Version(), factory, model.Config, model, extra);
            Plots.TrainingCurves(hist, Path.Combine(s.Out, "training_curves.png"));
            AnsiConsole.MarkupLineInterpolated($"held-out top-1 [bold]{RecipeComparison.Pct(eval.Top1)}[/] on {eval.Total} clips; checkpoint {Path.GetFullPath(s.Out)}");
            return 0;
        }
        finally
        {
            if (pretrainDir is not null && Directory.Exists(pretrainDir)) Directory.Delete(pretrainDir, true);
        }
    }

    internal static string Version() => typeof(ViViTTrainCommand).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    internal static T ParseEnum<T>(string text, string option) where T : struct, Enum
    {
        var norm = text.Replace("_", "").Replace("-", "");
        return Enum.TryParse<T>(norm, ignoreCase: true, out var v) ? v
            : throw new ArgumentException($"{option} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}, got '{text}'.");
    }
}

public sealed class ViViTEvalSettings : ViViTDataSettings
{
    [CommandOption("-c|--checkpoint <DIR>")]
    [Description("A ViViT checkpoint folder.")]
    public string Checkpoint { get; init; } = "runs/vivit";

    [CommandOption("--png <FILE>")]
    [Description("Confusion-matrix image (default: confusion_matrix.png in the checkpoint folder).")]
    public string? Png { get; init; }
}

/// <summary><c>zoo eval vivit</c>.</summary>
public sealed class ViViTEvalCommand : Command<ViViTEvalSettings>
{
    public override int Execute(CommandContext context, ViViTEvalSettings s, CancellationToken cancellationToken)
    {
        var device = ZooRuntime.Device;
        var (model, classes, _) = CommandSupport.LoadCheckpoint(s.Checkpoint, device);
        using (model)
        {
            // Generated evaluation clips use another seed than training (seed + 1000) unless --seed says otherwise.
            var data = CommandSupport.Load(s, model.InputSpec, model.NumFrames, classes.Count, s.Seed + 1000, classes);
            var r = ViViTTraining.Evaluate(model, data, 32, device);
            CommandSupport.PrintEval(r, classes);
            var png = s.Png ?? Path.Combine(s.Checkpoint, "confusion_matrix.png");
            Plots.ConfusionMatrix(r.Confusion, png);
            AnsiConsole.MarkupLineInterpolated($"confusion matrix: {Path.GetFullPath(png)}");
        }
        return 0;
    }
}

public sealed class ViViTPredictSettings : CommandSettings
{
    [CommandOption("-c|--checkpoint <DIR>")]
    public string Checkpoint { get; init; } = "runs/vivit";

    [CommandArgument(0, "<CLIPS>")]
    [Description("Clips: frame folders or animated .gif/.webp files.")]
    public string[] Clips { get; init; } = [];

    [CommandOption("--sampling <MODE>")]
    [Description("uniform or strided (default: what the checkpoint was trained with).")]
    public string? Sampling { get; init; }

    [CommandOption("--stride <N>")]
    public int? Stride { get; init; }
}

/// <summary><c>zoo predict vivit</c>.</summary>
public sealed class ViViTPredictCommand : Command<ViViTPredictSettings>
{
    public override int Execute(CommandContext context, ViViTPredictSettings s, CancellationToken cancellationToken)
    {
        if (s.Clips.Length == 0) throw new ArgumentException("Give one or more clips (frame folders or .gif/.webp files).");
        var device = ZooRuntime.Device;
        var (model, classes, extra) = CommandSupport.LoadCheckpoint(s.Checkpoint, device);
        using (model)
        {
            var mode = FrameSampling.Parse(s.Sampling ?? extra["sampling"]?["mode"]?.GetValue<string>() ?? "uniform");
            int stride = s.Stride ?? extra["sampling"]?["stride"]?.GetValue<int>() ?? 2;
            var spec = model.InputSpec;
            var table = new Table().AddColumns("clip", "prediction", "probability", "runner-up");
            int failed = 0;
            foreach (var clip in s.Clips)
            {
                try
                {
                    var x = VideoClip.Load(clip, spec, mode, model.NumFrames, stride);
                    using var scope = torch.NewDisposeScope();
                    using var _ = torch.no_grad();
                    var p = model.forward(torch.tensor(x, [1, model.NumFrames, spec.Channels, spec.Height, spec.Width]).to(device)).softmax(1).cpu().data<float>().ToArray();
                    var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
                    table.AddRow(Markup.Escape(clip), Markup.Escape(classes[order[0]]), p[order[0]].ToString("F3", CultureInfo.InvariantCulture),
                        p.Length > 1 ? Markup.Escape($"{classes[order[1]]} ({p[order[1]]:F3})") : "");
                }
                catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
                {
                    failed++;
                    table.AddRow(Markup.Escape(clip), "[red]error[/]", "", Markup.Escape(ex.Message));
                }
            }
            AnsiConsole.Write(table);
            return failed == 0 ? 0 : 1;
        }
    }
}
