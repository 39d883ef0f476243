using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.Tnt.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>The CLI verbs of this plugin: train/eval/predict/embed for tnt and vit, demo and bench for tnt.</summary>
[ZooExport(typeof(IZooCommandProvider), "tnt-commands", Task = ZooTasks.ImageClassification, Paper = "Transformer in Transformer", ArxivId = "2103.00112",
    Summary = "zoo train|eval|predict|embed tnt (and vit), zoo demo tnt, zoo bench tnt")]
public sealed class TntCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("train", "tnt", typeof(TntTrainCommand), "Train TNT on an image folder (folder per class) or the digits CSV; writes a checkpoint folder."),
        new("train", "vit", typeof(VitTrainCommand), "Train the plain ViT baseline on the same data."),
        new("eval", "tnt", typeof(EvalCommand), "Top-1, per-class accuracy and a confusion-matrix PNG for a TNT/ViT checkpoint."),
        new("eval", "vit", typeof(EvalCommand), "Top-1, per-class accuracy and a confusion-matrix PNG for a ViT checkpoint."),
        new("predict", "tnt", typeof(PredictCommand), "Classify image files or folders with a TNT/ViT checkpoint."),
        new("predict", "vit", typeof(PredictCommand), "Classify image files or folders with a ViT checkpoint."),
        new("embed", "tnt", typeof(EmbedCommand), "Write one feature vector (pre-head class token) per image to CSV."),
        new("embed", "vit", typeof(EmbedCommand), "Write one ViT feature vector per image to CSV."),
        new("demo", "tnt", typeof(TntDemoCommand), "Train TNT-tiny on the shipped digits for a few epochs and evaluate it on a held-out split."),
        new("bench", "tnt", typeof(TntBenchCommand), "TNT vs a plain ViT of the same width/depth: images/s (train, inference), peak memory, MFU."),
    ];
}

/// <summary>Finding and opening data for the commands.</summary>
internal static class CommandData
{
    /// <summary>data/digits/digits.csv.gz above the working directory or the plugin, if any.</summary>
    public static string? FindShippedDigits()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(CommandData).Assembly.Location) ?? "." })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "data", "digits", "digits.csv.gz");
                if (File.Exists(p)) return p;
            }
        }
        return null;
    }

    public static BadImagePolicy Policy(string s) => s.Trim().ToLowerInvariant() switch
    {
        "skip" => BadImagePolicy.Skip,
        "reject" => BadImagePolicy.Reject,
        _ => throw new ArgumentException($"--bad-images must be skip or reject, got '{s}'."),
    };

    public static void ReportBad(BadImage b) =>
        AnsiConsole.MarkupLineInterpolated($"[yellow]skipped unreadable image[/] {b.Path}: {b.Reason}");

    /// <summary>Opens a digits CSV or an image folder.</summary>
    public static IImageSource Open(string path, BadImagePolicy policy, IReadOnlyList<string>? classNames = null)
    {
        if (DigitsDataset.LooksLikeDigits(path)) return DigitsDataset.Load(path);
        return ImageFolderDataset.Open(path, policy, validate: true, classNames: classNames, onBadImage: ReportBad);
    }

    public static string Pct(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}

/// <summary>Settings every command of this plugin has.</summary>
public class ImageCommandSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("libtorch intra-op threads (0: libtorch's default). On a shared, busy machine 1 is often much faster: idle OpenMP threads spin.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    /// <summary>Applies --threads.</summary>
    public void ApplyThreads()
    {
        if (Threads < 0) throw new ArgumentException("--threads must be >= 0.");
        if (Threads > 0) torch.set_num_threads(Threads);
    }
}

public class TrainSettings : ImageCommandSettings
{
    [CommandOption("--data <PATH>")]
    [Description("Image folder (one sub-folder per class; png/jpg/bmp/gif) or a digits CSV (.csv/.csv.gz). Default: the shipped data/digits/digits.csv.gz.")]
    public string? Data { get; init; }

    [CommandOption("--val <PATH>")]
    [Description("Separate validation folder; default: a stratified held-out split of --data (see --val-fraction).")]
    public string? Val { get; init; }

    [CommandOption("--val-fraction <F>")]
    [DefaultValue(0.2)]
    public double ValFraction { get; init; } = 0.2;

    [CommandOption("-o|--out <DIR>")]
    [Description("Checkpoint folder to write (config.json + model.safetensors + training_curves.png).")]
    public string? Out { get; init; }

    [CommandOption("--preset <NAME>")]
    [Description("tiny, s or b (TNT-S / TNT-B of the paper), optionally with _legacy (paper layout). Default tiny.")]
    [DefaultValue("tiny")]
    public string Preset { get; init; } = "tiny";

    [CommandOption("--config <JSON>")]
    [Description("A JSON config file (timm argument names) instead of --preset.")]
    public string? Config { get; init; }

    [CommandOption("--img-size <N>")]
    [Description("Input size override (must be a multiple of the patch size).")]
    public int? ImgSize { get; init; }

    [CommandOption("--epochs <N>")]
    [DefaultValue(10)]
    public int Epochs { get; init; } = 10;

    [CommandOption("--batch-size <N>")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--lr <LR>")]
    [DefaultValue(1e-3)]
    public double LearningRate { get; init; } = 1e-3;

    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(0.05)]
    public double WeightDecay { get; init; } = 0.05;

    [CommandOption("--seed <N>")]
    [DefaultValue(0)]
    public int Seed { get; init; }

    [CommandOption("--flip")]
    [Description("Random horizontal flips (default on for image folders, off for digits).")]
    public bool? Flip { get; init; }

    [CommandOption("--bad-images <skip|reject>")]
    [DefaultValue("skip")]
    public string BadImages { get; init; } = "skip";
}

/// <summary><c>zoo train tnt</c>.</summary>
public class TntTrainCommand : Command<TrainSettings>
{
    protected virtual string ModelName => "tnt";

    public override int Execute(CommandContext context, TrainSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var result = Run(ModelName, s, cancellationToken);
        return result is null ? 1 : 0;
    }

    /// <summary>Trains and saves; returns the held-out evaluation (null if there is none).</summary>
    public static EvalResult? Run(string modelName, TrainSettings s, CancellationToken cancel)
    {
        var dataPath = s.Data ?? CommandData.FindShippedDigits() ?? throw new FileNotFoundException("No --data given and data/digits/digits.csv.gz was not found.");
        var policy = CommandData.Policy(s.BadImages);
        var source = CommandData.Open(dataPath, policy);
        bool isDigits = source is DigitsDataset;
        IImageSource train, val;
        if (s.Val != null)
        {
            train = source;
            val = CommandData.Open(s.Val, policy, source.ClassNames);
        }
        else
        {
            (train, val) = source.Split(s.ValFraction, s.Seed);
        }
        int k = source.ClassNames.Count;
        var tntConfig = s.Config != null
            ? new TntFactory().ParseConfig(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(s.Config))) as TntConfig ?? throw new InvalidDataException(s.Config)
            : TntConfig.Preset(s.Preset, k);
        tntConfig = tntConfig with { NumClasses = k };
        if (s.ImgSize is int size) tntConfig = tntConfig with { ImgSize = size };
        object config = modelName == "vit" ? VitConfig.SameAs(tntConfig) : tntConfig;
        var device = ZooRuntime.Device;
        torch.manual_seed(s.Seed);
        using var model = (nn.Module<Tensor, Tensor>)ImageClassifierCheckpoint.FactoryFor(modelName).CreateModel(config);
        model.to(device);
        long nParams = model.parameters().Sum(p => p.numel());
        var outDir = s.Out ?? Path.Combine("runs", modelName);
        AnsiConsole.MarkupLineInterpolated($"[bold]{modelName}[/] {nParams:N0} parameters, {k} classes, input {((IImageClassifier)model).InputSpec.Height}px; train {train.Count} / val {val.Count} images from {dataPath}; device {device.type}");
        var options = new TrainOptions
        {
            Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, WeightDecay = s.WeightDecay, Seed = s.Seed,
            HorizontalFlip = s.Flip ?? !isDigits,
        };
        int stepsPerEpoch = Math.Max(1, (train.Count + s.BatchSize - 1) / s.BatchSize);
        int every = Math.Max(1, stepsPerEpoch / 4);
        var history = ImageClassifierTraining.Train(model, train, val, options,
            onStep: (step, total, loss) => { if (step % every == 0 && step % stepsPerEpoch != 0) AnsiConsole.MarkupLineInterpolated($"[grey]  step {step}/{total}  loss {loss:F4}[/]"); },
            onEpoch: e =>
            AnsiConsole.MarkupLineInterpolated($"epoch {e.Epoch,3}/{s.Epochs}  loss {e.TrainLoss:F4}  train {CommandData.Pct(e.TrainAccuracy)}  val {CommandData.Pct(e.ValAccuracy ?? double.NaN)}  {e.Seconds:F1}s  {e.Images / e.Seconds:F0} img/s"),
            device: device, cancel: cancel);
        var eval = ImageClassifierTraining.Evaluate(model, val, s.BatchSize * 2, device);
        model.cpu();
        var extra = new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(dataPath), ["kind"] = isDigits ? "digits" : "folder",
                ["val_path"] = s.Val is null ? null : Path.GetFullPath(s.Val), ["val_fraction"] = s.ValFraction, ["split_seed"] = s.Seed,
            },
            ["training"] = new JsonObject
            {
                ["epochs"] = s.Epochs, ["batch_size"] = s.BatchSize, ["lr"] = s.LearningRate, ["weight_decay"] = s.WeightDecay,
                ["val_top1"] = eval.Top1, ["final_train_loss"] = history.Count > 0 ? history[^1].TrainLoss : null,
            },
        };
        ImageClassifierCheckpoint.Save(outDir, modelName, config, model, source.ClassNames, extra);
        Plots.TrainingCurves(history, Path.Combine(outDir, "training_curves.png"));
        AnsiConsole.MarkupLineInterpolated($"held-out top-1 [bold]{CommandData.Pct(eval.Top1)}[/] on {eval.Total} images; checkpoint {Path.GetFullPath(outDir)} (training_curves.png inside)");
        return eval;
    }
}

/// <summary><c>zoo train vit</c>: the baseline with TNT's outer width/depth.</summary>
public sealed class VitTrainCommand : TntTrainCommand
{
    protected override string ModelName => "vit";
}

public sealed class EvalSettings : ImageCommandSettings
{
    [CommandOption("-c|--checkpoint <DIR>")]
    [Description("Checkpoint folder written by zoo train.")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--data <PATH>")]
    [Description("Image folder or digits CSV; default: the checkpoint's training data, held-out split only.")]
    public string? Data { get; init; }

    [CommandOption("--split <test|all>")]
    [Description("With the training data: evaluate the held-out split (test, default) or everything (all).")]
    [DefaultValue("test")]
    public string Split { get; init; } = "test";

    [CommandOption("--confusion <PNG>")]
    [Description("Where to write the confusion matrix PNG (default confusion_matrix.png in the working directory).")]
    [DefaultValue("confusion_matrix.png")]
    public string Confusion { get; init; } = "confusion_matrix.png";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(128)]
    public int BatchSize { get; init; } = 128;

    [CommandOption("--bad-images <skip|reject>")]
    [DefaultValue("skip")]
    public string BadImages { get; init; } = "skip";
}

/// <summary><c>zoo eval tnt</c>.</summary>
public sealed class EvalCommand : Command<EvalSettings>
{
    public override int Execute(CommandContext context, EvalSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        using var loaded = ImageClassifierCheckpoint.Load(s.Checkpoint, ZooRuntime.Device);
        var info = Checkpoint.ReadInfo(s.Checkpoint);
        if (s.Split is not ("test" or "all")) throw new ArgumentException($"--split must be test or all, got '{s.Split}'.");
        var dataInfo = info.Extra["data"] as JsonObject;
        var trainPath = dataInfo?["path"]?.GetValue<string>();
        var path = s.Data ?? trainPath ?? throw new ArgumentException("--data is required (the checkpoint does not name its training data).");
        var source = CommandData.Open(path, CommandData.Policy(s.BadImages), loaded.ClassNames);
        string what = path;
        bool sameAsTraining = trainPath != null && Path.GetFullPath(path) == trainPath && dataInfo?["val_path"] is null;
        if (sameAsTraining && s.Split == "test")
        {
            double frac = dataInfo!["val_fraction"]!.GetValue<double>();
            int seed = dataInfo["split_seed"]!.GetValue<int>();
            source = source.Split(frac, seed).Test;
            what += $" (held-out {frac:P0} split, seed {seed})";
        }
        var result = ImageClassifierTraining.Evaluate(loaded.Module, source, s.BatchSize, ZooRuntime.Device);
        var table = new Table().AddColumns("class", "name", "images", "accuracy");
        var per = result.PerClassAccuracy;
        for (int i = 0; i < per.Length; i++)
            table.AddRow(i.ToString(CultureInfo.InvariantCulture), Markup.Escape(loaded.ClassNames[i]),
                Enumerable.Range(0, per.Length).Sum(j => result.Confusion[i, j]).ToString(CultureInfo.InvariantCulture), CommandData.Pct(per[i]));
        AnsiConsole.Write(table);
        Plots.ConfusionMatrix(result, s.Confusion);
        AnsiConsole.MarkupLineInterpolated($"{loaded.ModelName} on {what}: top-1 [bold]{CommandData.Pct(result.Top1)}[/] ({result.Total} images); confusion matrix: {Path.GetFullPath(s.Confusion)}");
        return 0;
    }
}

public sealed class PredictSettings : ImageCommandSettings
{
    [CommandArgument(0, "<INPUTS>")]
    [Description("Image files or folders (a digits CSV is read row by row).")]
    public string[] Inputs { get; init; } = [];

    [CommandOption("-c|--checkpoint <DIR>")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--top <K>")]
    [DefaultValue(3)]
    public int Top { get; init; } = 3;

    [CommandOption("-o|--out <CSV>")]
    [Description("Also write path,prediction,probability rows to this CSV.")]
    public string? Out { get; init; }

    [CommandOption("--bad-images <skip|reject>")]
    [DefaultValue("skip")]
    public string BadImages { get; init; } = "skip";
}

/// <summary><c>zoo predict tnt</c>.</summary>
public sealed class PredictCommand : Command<PredictSettings>
{
    public override int Execute(CommandContext context, PredictSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        using var loaded = ImageClassifierCheckpoint.Load(s.Checkpoint, ZooRuntime.Device);
        IImageSource source = s.Inputs.Length == 1 && DigitsDataset.LooksLikeDigits(s.Inputs[0])
            ? DigitsDataset.Load(s.Inputs[0])
            : ImageFolderDataset.FromFiles(s.Inputs, loaded.ClassNames, CommandData.Policy(s.BadImages), CommandData.ReportBad);
        var (probs, idx) = ImageClassifierTraining.Predict(loaded.Module, source, 128, ZooRuntime.Device);
        var table = new Table().AddColumns("image", "prediction", "probability", $"top {s.Top}");
        var csv = new StringBuilder("path,prediction,probability\n");
        for (int r = 0; r < idx.Length; r++)
        {
            var order = Enumerable.Range(0, probs[r].Length).OrderByDescending(j => probs[r][j]).Take(Math.Max(1, s.Top)).ToArray();
            string name = source.Name(idx[r]);
            if (r < 200)
                table.AddRow(Markup.Escape(name), Markup.Escape(loaded.ClassNames[order[0]]), probs[r][order[0]].ToString("F3", CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(" ", order.Select(j => $"{loaded.ClassNames[j]}:{probs[r][j].ToString("F2", CultureInfo.InvariantCulture)}"))));
            csv.Append(CsvField(name)).Append(',').Append(CsvField(loaded.ClassNames[order[0]])).Append(',')
               .Append(probs[r][order[0]].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        AnsiConsole.Write(table);
        if (idx.Length > 200) AnsiConsole.MarkupLineInterpolated($"... {idx.Length - 200} more rows (use --out to get them all)");
        if (s.Out != null)
        {
            AtomicFile.WriteAllText(s.Out, csv.ToString());
            AnsiConsole.MarkupLineInterpolated($"wrote {idx.Length} predictions to {Path.GetFullPath(s.Out)}");
        }
        return 0;
    }

    internal static string CsvField(string s) => s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}

public sealed class EmbedSettings : ImageCommandSettings
{
    [CommandOption("-c|--checkpoint <DIR>")]
    public string Checkpoint { get; init; } = "";

    [CommandOption("--data <PATH>")]
    [Description("Image folder (labelled by sub-folder when its names are the model's classes), image files folder, or digits CSV.")]
    public string Data { get; init; } = "";

    [CommandOption("-o|--out <CSV>")]
    [DefaultValue("embeddings.csv")]
    public string Out { get; init; } = "embeddings.csv";

    [CommandOption("--bad-images <skip|reject>")]
    [DefaultValue("skip")]
    public string BadImages { get; init; } = "skip";
}

/// <summary><c>zoo embed tnt</c>: one pre-head feature vector per image, as CSV (path,label,f0..f{D-1}).</summary>
public sealed class EmbedCommand : Command<EmbedSettings>
{
    public override int Execute(CommandContext context, EmbedSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        using var loaded = ImageClassifierCheckpoint.Load(s.Checkpoint, ZooRuntime.Device);
        var policy = CommandData.Policy(s.BadImages);
        IImageSource source;
        if (DigitsDataset.LooksLikeDigits(s.Data)) source = DigitsDataset.Load(s.Data);
        else
        {
            try { source = ImageFolderDataset.Open(s.Data, policy, validate: true, classNames: loaded.ClassNames, onBadImage: CommandData.ReportBad); }
            catch (InvalidDataException) { source = ImageFolderDataset.FromFiles([s.Data], loaded.ClassNames, policy, CommandData.ReportBad); }
        }
        var (feats, idx) = ImageClassifierTraining.Embed(loaded.Module, source, 128, ZooRuntime.Device);
        int d = loaded.Classifier.EmbeddingDim;
        var sb = new StringBuilder("path,label");
        for (int j = 0; j < d; j++) sb.Append(CultureInfo.InvariantCulture, $",f{j}");
        sb.Append('\n');
        for (int r = 0; r < idx.Length; r++)
        {
            int label = source.Label(idx[r]);
            sb.Append(PredictCommand.CsvField(source.Name(idx[r]))).Append(',').Append(label >= 0 ? PredictCommand.CsvField(source.ClassNames[label]) : "");
            foreach (var v in feats[r]) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(s.Out, sb.ToString());
        AnsiConsole.MarkupLineInterpolated($"wrote {idx.Length} x {d} {loaded.ModelName} features to {Path.GetFullPath(s.Out)}");
        return 0;
    }
}

public sealed class DemoSettings : ImageCommandSettings
{
    [CommandOption("--epochs <N>")]
    [DefaultValue(20)]
    public int Epochs { get; init; } = 20;

    [CommandOption("--demo-threads <N>")]
    [Description("Threads for the demo (default 1: the model is tiny and shared machines are common).")]
    [DefaultValue(1)]
    public int DemoThreads { get; init; } = 1;

    [CommandOption("-o|--out <DIR>")]
    [DefaultValue("runs/demo-tnt")]
    public string Out { get; init; } = "runs/demo-tnt";
}

/// <summary><c>zoo demo tnt</c>: a short real run on the shipped digits.</summary>
public sealed class TntDemoCommand : Command<DemoSettings>
{
    public override int Execute(CommandContext context, DemoSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        if (s.Threads == 0) torch.set_num_threads(Math.Max(1, s.DemoThreads));
        var digits = CommandData.FindShippedDigits() ?? throw new FileNotFoundException("data/digits/digits.csv.gz not found: run the demo from the Zoo repository.");
        AnsiConsole.MarkupLine("[bold]TNT demo[/]: TNT-tiny (visual sentences of 8x8 pixels, 4x4 visual words each) on 1,797 UCI digits upsampled to 32x32, 80/20 split.");
        var ckpt = Path.Combine(s.Out, "checkpoint");
        var eval = TntTrainCommand.Run("tnt", new TrainSettings { Data = digits, Out = ckpt, Epochs = s.Epochs, BatchSize = 32, LearningRate = 2e-3 }, cancellationToken)!;
        var png = Path.Combine(s.Out, "confusion_matrix.png");
        Plots.ConfusionMatrix(eval, png);
        var per = eval.PerClassAccuracy;
        AnsiConsole.MarkupLine("per-class accuracy: " + string.Join("  ", per.Select((a, i) => $"{i}:{CommandData.Pct(a)}")));
        AnsiConsole.MarkupLineInterpolated($"confusion matrix: {Path.GetFullPath(png)}");
        AnsiConsole.MarkupLineInterpolated($"next: zoo eval tnt -c {ckpt}   zoo predict tnt -c {ckpt} IMAGE.png   zoo embed tnt -c {ckpt} --data {digits}");
        return 0;
    }
}
