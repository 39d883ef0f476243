using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Options shared by train and eval of the hybrid LM.</summary>
public class LmSettings : CommandSettings
{
    [CommandOption("--task")] [Description("mqar (synthetic recall) or text (byte-level LM on --data)")] [DefaultValue("mqar")]
    public string Task { get; init; } = "mqar";

    [CommandOption("--mixer")] [Description("memory mixer: gated-deltanet, hgrn2, attention, or a catalog memory model (titans, moneta, yaad, memora, atlas)")] [DefaultValue("gated-deltanet")]
    public string Mixer { get; init; } = "gated-deltanet";

    [CommandOption("--hybrid")] [Description("memory layers per attention layer (3 = 3:1); 0 = none")] [DefaultValue(0)]
    public int Hybrid { get; init; }

    [CommandOption("--layers")] [DefaultValue(4)] public int Layers { get; init; } = 4;
    [CommandOption("--d-model")] [DefaultValue(64)] public int DModel { get; init; } = 64;
    [CommandOption("--heads")] [DefaultValue(4)] public int Heads { get; init; } = 4;
    [CommandOption("--steps")] [DefaultValue(400)] public int Steps { get; init; } = 400;
    [CommandOption("--batch")] [DefaultValue(32)] public int Batch { get; init; } = 32;
    [CommandOption("--seq-len")] [Description("text window length")] [DefaultValue(128)] public int SeqLen { get; init; } = 128;
    [CommandOption("--lr")] [DefaultValue(3e-3)] public double Lr { get; init; } = 3e-3;
    [CommandOption("--seed")] [DefaultValue(0)] public int Seed { get; init; }
    [CommandOption("--pairs")] [Description("MQAR key-value pairs (queries = pairs)")] [DefaultValue(8)] public int Pairs { get; init; } = 8;
    [CommandOption("--vocab")] [Description("MQAR key vocabulary = value vocabulary")] [DefaultValue(32)] public int MqarVocab { get; init; } = 32;
    [CommandOption("--data")] [Description("text corpus (default data/tinyshakespeare/input.txt)")] public string? Data { get; init; }
    [CommandOption("--out")] [Description("checkpoint folder to write")] public string? Out { get; init; }
    [CommandOption("--checkpoint")] [Description("checkpoint folder to evaluate")] public string? CheckpointDir { get; init; }
    [CommandOption("--suite")] [Description("eval: 'mqar' trains and scores pure attention, pure memory mixers and hybrids")] public string? Suite { get; init; }
    [CommandOption("--mixers")] [Description("suite: pure mixers, comma separated")] [DefaultValue("attention,gated-deltanet,hgrn2")]
    public string Mixers { get; init; } = "attention,gated-deltanet,hgrn2";
    [CommandOption("--ratios")] [Description("suite: hybrid ratios of --mixer with attention")] [DefaultValue("1,3,6")]
    public string Ratios { get; init; } = "1,3,6";
    [CommandOption("--threads")] [Description("libtorch intra-op threads (0 = leave as is)")] [DefaultValue(0)] public int Threads { get; init; }
    [CommandOption("--eval-windows")] [DefaultValue(256)] public int EvalWindows { get; init; } = 256;
    [CommandOption("--embedding-init-std")] [Description("std of the token-embedding init (1 = PyTorch default; 0.02 reproduces the old MQAR plateau)")] [DefaultValue(1.0)]
    public double EmbeddingInitStd { get; init; } = 1.0;
    [CommandOption("--plot")] [Description("loss-curve PNG to write (train: default <out>/loss.png; eval --suite: every run on one plot)")]
    public string? Plot { get; init; }

    public override ValidationResult Validate()
    {
        if (Task is not ("mqar" or "text")) return ValidationResult.Error($"--task must be mqar or text, not '{Task}'.");
        if (Steps < 0 || Batch <= 0 || Layers <= 0 || DModel <= 0 || Heads <= 0 || SeqLen < 2) return ValidationResult.Error("--steps, --batch, --layers, --d-model, --heads and --seq-len must be positive.");
        if (Hybrid < 0) return ValidationResult.Error("--hybrid must be >= 0.");
        if (!(EmbeddingInitStd > 0) || double.IsInfinity(EmbeddingInitStd)) return ValidationResult.Error("--embedding-init-std must be a positive number.");
        if (Plot is not null && !Plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--plot must name a .png file, not '{Plot}'.");
        return ValidationResult.Success();
    }

    public HybridLmConfig ModelConfig(string mixer, int hybrid, int layers) => new()
    {
        DModel = DModel, NumHeads = Heads, NLayers = layers, Mixer = mixer, Hybrid = hybrid, EmbeddingInitStd = EmbeddingInitStd,
    };

    public string DataPath => Data ?? Path.Combine(LmRun.FindRepoRoot() ?? ".", "data", "tinyshakespeare", "input.txt");
}

/// <summary>Shared pieces of the LM commands.</summary>
public static class LmRun
{
    public static string? FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Zoo.sln"))) dir = dir.Parent;
            if (dir is not null) return dir.FullName;
        }
        return null;
    }

    /// <summary>Trains one model on the settings' task; prints a line every 50 steps.</summary>
    public static (HybridLM Model, List<double> Curve) Train(LmSettings s, HybridLmConfig cfg, string label)
    {
        if (s.Threads > 0) torch.set_num_threads(s.Threads);
        manual_seed(s.Seed);
        var model = new HybridLM(cfg);
        var rng = new Random(s.Seed);
        Func<int, (Tensor, Tensor)> batch;
        if (s.Task == "mqar")
        {
            var task = new Mqar(s.Pairs, s.Pairs, s.MqarVocab, s.MqarVocab);
            batch = _ => task.Batch(s.Batch, rng);
        }
        else
        {
            var corpus = new ByteCorpus(s.DataPath);
            batch = _ => ByteCorpus.Windows(corpus.Train, s.Batch, s.SeqLen, rng);
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var curve = LmTrainer.Train(model, batch, s.Steps, s.Lr, (step, loss) =>
        {
            if (step % 50 == 0 || step == s.Steps - 1)
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(label)}[/] step {step + 1}/{s.Steps} loss {loss:F4} ({sw.Elapsed.TotalSeconds:F0}s)");
        });
        return (model, curve);
    }

    public static double Evaluate(LmSettings s, HybridLM model) => s.Task == "mqar"
        ? LmTrainer.Recall(model, new Mqar(s.Pairs, s.Pairs, s.MqarVocab, s.MqarVocab), batches: 8, batchSize: 64, seed: s.Seed + 1000)
        : LmTrainer.Perplexity(model, new ByteCorpus(s.DataPath), s.SeqLen, s.EvalWindows);

    public static string Describe(HybridLM m) => string.Join(" ", m.LayerKinds.Select(k => k == "attention" ? "A" : "M"));
}

/// <summary><c>zoo train hybrid-lm</c> (alias <c>zoo train lm</c>): trains on MQAR or text, reports recall / perplexity, saves a checkpoint.</summary>
public sealed class TrainLmCommand : Command<LmSettings>
{
    public override int Execute(CommandContext context, LmSettings s, CancellationToken cancellationToken)
    {
        var cfg = s.ModelConfig(s.Mixer, s.Hybrid, s.Layers);
        var (model, curve) = LmRun.Train(s, cfg, $"{s.Mixer} hybrid {s.Hybrid}");
        using (model)
        {
            var score = LmRun.Evaluate(s, model);
            AnsiConsole.MarkupLine(s.Task == "mqar"
                ? $"MQAR recall ({s.Pairs} pairs) [green]{score:P1}[/] layers {LmRun.Describe(model)}"
                : $"validation perplexity [green]{score:F3}[/] (bits/byte {Math.Log2(score):F3}) layers {LmRun.Describe(model)}");
            if (s.Out is not null)
            {
                var extra = new JsonObject
                {
                    ["task"] = s.Task,
                    [s.Task == "mqar" ? "mqar_recall" : "val_perplexity"] = score,
                    ["final_train_loss"] = curve.Count > 0 ? curve[^1] : null,
                };
                Checkpoint.Save(s.Out, "hybrid-lm", typeof(HybridLM).Assembly.GetName().Version!.ToString(3), new HybridLmFactory(), cfg, model, extra);
                AnsiConsole.MarkupLine($"checkpoint written to {Markup.Escape(s.Out)}");
            }
            var plot = s.Plot ?? (s.Out is null ? null : Path.Combine(s.Out, "loss.png"));
            if (plot is not null && curve.Count > 0)
            {
                LossPlot.Write(plot, $"hybrid-lm {s.Task}: {s.Mixer} hybrid {s.Hybrid}, layers {LmRun.Describe(model)}", [($"{s.Mixer} ({LmRun.Describe(model)})", curve)]);
                AnsiConsole.MarkupLine($"loss curve written to {Markup.Escape(plot)}");
            }
        }
        return 0;
    }
}

/// <summary>
/// <c>zoo eval hybrid-lm --checkpoint DIR</c>: recall or perplexity of a checkpoint. <c>--suite mqar</c>: trains and scores
/// every pure mixer and the hybrids of --mixer with attention at --ratios, printing the recall table.
/// </summary>
public sealed class EvalLmCommand : Command<LmSettings>
{
    public override int Execute(CommandContext context, LmSettings s, CancellationToken cancellationToken)
    {
        if (s.Suite is null)
        {
            if (s.CheckpointDir is null) throw new ArgumentException("eval hybrid-lm needs --checkpoint DIR or --suite mqar.");
            var (module, cfgObj, _) = Checkpoint.Load(s.CheckpointDir, new HybridLmFactory());
            using var model = (HybridLM)module;
            var score = LmRun.Evaluate(s, model);
            AnsiConsole.MarkupLine(s.Task == "mqar" ? $"MQAR recall [green]{score:P1}[/]" : $"validation perplexity [green]{score:F3}[/]");
            return 0;
        }
        if (s.Suite != "mqar") throw new ArgumentException($"Unknown --suite '{s.Suite}' (only mqar).");
        var runs = new List<(string Name, HybridLmConfig Cfg)>();
        foreach (var m in s.Mixers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            runs.Add(($"pure {m}", s.ModelConfig(m, 0, s.Layers)));
        foreach (var r in s.Ratios.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse))
            runs.Add(($"{s.Mixer} {r}:1", s.ModelConfig(s.Mixer, r, Math.Max(s.Layers, r + 1))));
        var table = new Table().AddColumns("model", "layers", "params", "recall", "final loss", "train s");
        var curves = new List<(string Label, IReadOnlyList<double> Curve)>();
        var md = new StringBuilder($"| model | layers | params | MQAR recall ({s.Pairs} pairs) | final train loss | train s |\n|---|---|---|---|---|---|\n");
        foreach (var (name, cfg) in runs)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (model, curve) = LmRun.Train(s, cfg, name);
            using (model)
            {
                var secs = sw.Elapsed.TotalSeconds;
                var recall = LmRun.Evaluate(s, model);
                var p = model.parameters().Sum(t => t.numel());
                var tail = curve.Skip(Math.Max(0, curve.Count - 20)).DefaultIfEmpty(double.NaN).Average();
                table.AddRow(name, LmRun.Describe(model), p.ToString("N0", CultureInfo.InvariantCulture), recall.ToString("P1", CultureInfo.InvariantCulture), tail.ToString("F3", CultureInfo.InvariantCulture), secs.ToString("F0", CultureInfo.InvariantCulture));
                md.Append(CultureInfo.InvariantCulture, $"| {name} | {LmRun.Describe(model)} | {p:N0} | {recall:P1} | {tail:F3} | {secs:F0} |\n");
                AnsiConsole.MarkupLine($"{Markup.Escape(name)}: recall [green]{recall:P1}[/]");
                curves.Add(($"{name} ({recall:P0})", curve));
            }
        }
        AnsiConsole.Write(table);
        if (s.Out is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Out))!);
            AtomicFile.WriteAllText(s.Out, md.ToString());
            AnsiConsole.MarkupLine($"table written to {Markup.Escape(s.Out)}");
        }
        if (s.Plot is not null && curves.Count > 0)
        {
            LossPlot.Write(s.Plot, $"MQAR ({s.Pairs} pairs, vocab {s.MqarVocab}): training loss", curves);
            AnsiConsole.MarkupLine($"loss curves written to {Markup.Escape(s.Plot)}");
        }
        return 0;
    }
}

[ZooExport(typeof(IZooCommandProvider), "hybrid-lm-commands", Task = ZooTasks.SequenceModeling, Summary = "train/eval hybrid-lm (alias lm) and bench memory.")]
public sealed class HybridCommands : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("train", "hybrid-lm", typeof(TrainLmCommand), "Train the hybrid memory/attention byte LM on MQAR or tinyshakespeare."),
        new("train", "lm", typeof(TrainLmCommand), "Alias of train hybrid-lm."),
        new("eval", "hybrid-lm", typeof(EvalLmCommand), "Evaluate a hybrid-lm checkpoint, or --suite mqar for the recall table."),
        new("eval", "lm", typeof(EvalLmCommand), "Alias of eval hybrid-lm."),
        new("bench", "memory", typeof(BenchMemoryCommand), "Tokens/s, peak memory and MFU of every memory module vs softmax attention, 1k..16k tokens."),
    ];
}
