using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>Options of <c>zoo train hmt</c> and <c>zoo eval hmt</c>.</summary>
public class HmtSettings : CommandSettings
{
    public const string DefaultBackboneConfig = "{\"mixer\":\"attention\",\"n_layers\":2,\"d_model\":64,\"num_heads\":4}";

    [CommandOption("--backbone")] [Description("catalog name of the backbone sequence model")] [DefaultValue("hybrid-lm")]
    public string Backbone { get; init; } = "hybrid-lm";
    [CommandOption("--backbone-config")] [Description("backbone configuration JSON")] [DefaultValue(DefaultBackboneConfig)]
    public string BackboneConfig { get; init; } = DefaultBackboneConfig;
    [CommandOption("--task")] [Description("text (perplexity on --data) or recall (long-range key recall generated in code)")] [DefaultValue("text")]
    public string Task { get; init; } = "text";
    [CommandOption("--window")] [Description("backbone window L (2 memory slots + sensory + text block)")] [DefaultValue(64)] public int Window { get; init; } = 64;
    [CommandOption("--sensory")] [Description("k sensory tokens")] [DefaultValue(8)] public int Sensory { get; init; } = 8;
    [CommandOption("--recall-context")] [Description("N cached memory embeddings")] [DefaultValue(100)] public int RecallContext { get; init; } = 100;
    [CommandOption("--recall-dim")] [Description("h, recall projection width")] [DefaultValue(64)] public int RecallDim { get; init; } = 64;
    [CommandOption("--train-backbone")] [Description("train the backbone with HMT (default: frozen)")] public bool TrainBackbone { get; init; }
    [CommandOption("--pretrain-steps")] [Description("backbone-alone steps on truncated windows (also the baseline)")] [DefaultValue(400)] public int PretrainSteps { get; init; } = 400;
    [CommandOption("--backbone-lr")] [DefaultValue(3e-3)] public double BackboneLr { get; init; } = 3e-3;
    [CommandOption("--stage1-steps")] [Description("stage 1: no recall, short unroll")] [DefaultValue(150)] public int Stage1Steps { get; init; } = 150;
    [CommandOption("--stage1-segments")] [DefaultValue(3)] public int Stage1Segments { get; init; } = 3;
    [CommandOption("--stage1-unroll")] [DefaultValue(2)] public int Stage1Unroll { get; init; } = 2;
    [CommandOption("--stage2-steps")] [Description("stage 2: recall on, longer unroll with gradient through memory")] [DefaultValue(150)] public int Stage2Steps { get; init; } = 150;
    [CommandOption("--stage2-segments")] [DefaultValue(8)] public int Stage2Segments { get; init; } = 8;
    [CommandOption("--stage2-unroll")] [DefaultValue(8)] public int Stage2Unroll { get; init; } = 8;
    [CommandOption("--lr")] [Description("HMT learning rate")] [DefaultValue(1e-3)] public double Lr { get; init; } = 1e-3;
    [CommandOption("--batch")] [DefaultValue(16)] public int Batch { get; init; } = 16;
    [CommandOption("--seed")] [DefaultValue(3407)] public int Seed { get; init; } = 3407;
    [CommandOption("--keys")] [Description("recall task: number of distinct keys (chance = 1/keys)")] [DefaultValue(16)] public int Keys { get; init; } = 16;
    [CommandOption("--data")] [Description("text corpus (default data/tinyshakespeare/input.txt)")] public string? Data { get; init; }
    [CommandOption("--eval-segments")] [Description("text: segments per evaluation sequence")] [DefaultValue(16)] public int EvalSegments { get; init; } = 16;
    [CommandOption("--eval-sequences")] [Description("text: evaluation sequences; recall: samples per distance")] [DefaultValue(64)] public int EvalSequences { get; init; } = 64;
    [CommandOption("--recall-segments")] [Description("recall: segment counts to evaluate (key in the first, query at the end of the last)")] [DefaultValue("2,4,8,16")]
    public string RecallSegments { get; init; } = "2,4,8,16";
    [CommandOption("--out")] [Description("train: output folder (hmt/ and backbone/ checkpoints, report.md)")] public string? Out { get; init; }
    [CommandOption("--checkpoint")] [Description("eval: folder written by train")] public string? CheckpointDir { get; init; }

    public override ValidationResult Validate()
    {
        if (Task is not ("text" or "recall")) return ValidationResult.Error($"--task must be text or recall, not '{Task}'.");
        if (Batch < 1 || PretrainSteps < 0 || Stage1Steps < 0 || Stage2Steps < 0 || EvalSegments < 1 || EvalSequences < 1)
            return ValidationResult.Error("--batch, --eval-segments and --eval-sequences must be positive; step counts >= 0.");
        try { BackboneJson(); } catch (ArgumentException ex) { return ValidationResult.Error(ex.Message); }
        return ValidationResult.Success();
    }

    public JsonObject BackboneJson()
    {
        try
        {
            return JsonNode.Parse(BackboneConfig) as JsonObject ?? throw new ArgumentException("--backbone-config must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--backbone-config is not valid JSON: {ex.Message}", ex);
        }
    }

    public HmtConfig Config() => new()
    {
        Backbone = Backbone, BackboneConfig = BackboneJson(), SegmentLength = Window, NumSensory = Sensory,
        MemRecallContext = RecallContext, MemRecallHiddenDim = RecallDim, FreezeBackbone = !TrainBackbone, UseRecall = true,
    };

    public string DataPath => Data ?? Path.Combine(HmtRun.FindRepoRoot() ?? ".", "data", "tinyshakespeare", "input.txt");

    public int[] RecallSegmentCounts() =>
        RecallSegments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 2 ? v
                : throw new ArgumentException($"--recall-segments: '{s}' is not a segment count >= 2.")).ToArray();
}

/// <summary>The shared steps of train and eval.</summary>
public static class HmtRun
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

    /// <summary>One line of the comparison: (what, backbone alone, HMT).</summary>
    public sealed record Row(string Metric, double Backbone, double Hmt);

    /// <summary>Scores the backbone alone (truncated context, window L) and HMT on the settings' task.</summary>
    public static List<Row> Compare(HmtSettings s, ISequenceModel backbone, HierarchicalMemoryTransformer? hmt, HmtConfig cfg)
    {
        var rows = new List<Row>();
        if (hmt is not null) { hmt.eval(); hmt.UseRecall = true; }
        ((nn.Module)backbone).eval();
        Func<Tensor, Tensor> baseline = x => HmtEvaluation.TruncatedBackboneLogits(backbone, x, cfg.SegmentLength, cfg.TextBlock);
        Func<Tensor, Tensor> withMemory = x => hmt!.forward(x);
        if (s.Task == "text")
        {
            var text = new ByteText(s.DataPath);
            using var scope = NewDisposeScope();
            var (x, y) = ByteText.Sequences(text.Validation, s.EvalSegments * cfg.TextBlock, s.EvalSequences);
            var b = HmtEvaluation.Perplexity(baseline, x, y);
            var h = hmt is null ? (double.NaN, double.NaN) : HmtEvaluation.Perplexity(withMemory, x, y);
            rows.Add(new Row($"perplexity ({x.shape[0]} x {x.shape[1]} bytes = {s.EvalSegments} windows)", b.Perplexity, h.Item2));
            rows.Add(new Row("bits per byte", b.Nll / Math.Log(2), h.Item1 / Math.Log(2)));
        }
        else
        {
            var task = new LongRangeRecall(cfg.TextBlock, s.Keys, QueryEverySegment: false);
            foreach (var n in s.RecallSegmentCounts())
            {
                using var scope = NewDisposeScope();
                var (x, y) = task.Batch(s.EvalSequences, n, new Random(s.Seed + 7919 * n));
                rows.Add(new Row($"recall, key {n - 1} segment(s) back ({n * cfg.TextBlock} tokens)",
                    HmtEvaluation.Accuracy(baseline, x, y), hmt is null ? double.NaN : HmtEvaluation.Accuracy(withMemory, x, y)));
            }
        }
        return rows;
    }

    public static string Markdown(HmtSettings s, HmtConfig cfg, IEnumerable<Row> rows)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"HMT around {cfg.Backbone} {cfg.BackboneConfig?.ToJsonString()}: window L={cfg.SegmentLength}, text block {cfg.TextBlock}, k={cfg.NumSensory}, N={cfg.MemRecallContext}, h={cfg.MemRecallHiddenDim}, backbone {(cfg.FreezeBackbone ? "frozen" : "trained")}, task {s.Task}\n\n");
        md.Append("| metric | backbone alone (window L) | HMT (window L) |\n|---|---|---|\n");
        foreach (var r in rows)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Metric} | {Fmt(s, r.Backbone)} | {Fmt(s, r.Hmt)} |\n");
        return md.ToString();
    }

    private static string Fmt(HmtSettings s, double v) => double.IsNaN(v) ? "-" : s.Task == "recall" ? v.ToString("P1", CultureInfo.InvariantCulture) : v.ToString("F3", CultureInfo.InvariantCulture);

    public static void Print(HmtSettings s, HmtConfig cfg, List<Row> rows)
    {
        var table = new Table().AddColumns("metric", "backbone alone (window L)", "HMT (window L)");
        foreach (var r in rows) table.AddRow(Markup.Escape(r.Metric), Fmt(s, r.Backbone), Fmt(s, r.Hmt));
        AnsiConsole.Write(table);
    }

    public static string BackboneVersion(string name) =>
        ZooRuntime.Catalog?.Models().FirstOrDefault(m => m.Metadata.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Version?.ToString(3) ?? "";
}

/// <summary>
/// <c>zoo train hmt --backbone NAME</c>: trains the backbone alone on windows of L tokens (the truncated-context baseline),
/// wraps it with HMT, runs stage 1 (no recall, short unroll) and stage 2 (recall, longer unroll), then compares both.
/// </summary>
public sealed class TrainHmtCommand : Command<HmtSettings>
{
    public override int Execute(CommandContext context, HmtSettings s, CancellationToken cancellationToken)
    {
        var cfg = s.Config();
        cfg.Validate();
        manual_seed(s.Seed);
        var rng = new Random(s.Seed);
        var (backboneModule, backboneCfg) = HmtFactory.CreateBackbone(cfg.Backbone, cfg.BackboneConfig);
        var backbone = (ISequenceModel)backboneModule;
        ByteText? text = s.Task == "text" ? new ByteText(s.DataPath) : null;
        if (text is not null && backbone.VocabSize < 256)
            throw new ArgumentException($"--task text is byte-level (256 ids) but backbone '{cfg.Backbone}' has vocab_size {backbone.VocabSize}.");
        var recallTrain = new LongRangeRecall(cfg.TextBlock, s.Keys, QueryEverySegment: true);
        var recallBaseline = recallTrain with { QueryEverySegment = false };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        void Line(string label, int step, int steps, double loss)
        {
            if (step % 25 == 0 || step == steps - 1)
                AnsiConsole.MarkupLine($"[grey]{label}[/] step {step + 1}/{steps} loss {loss:F4} ({sw.Elapsed.TotalSeconds:F0}s)");
        }
        // Stage 0: the backbone alone on windows of L tokens (its truncated context); this is also the baseline.
        var c0 = MultiStageTraining.TrainBackbone(backboneModule, _ =>
        {
            if (text is not null) return ByteText.Windows(text.Train, s.Batch, cfg.SegmentLength, rng);
            var (x, y) = recallBaseline.Batch(s.Batch, s.Stage2Segments, rng);
            var t = x.shape[1];
            var w = Math.Min(t, cfg.SegmentLength);
            return (x.narrow(1, t - w, w), y.narrow(1, t - w, w));
        }, s.PretrainSteps, s.BackboneLr, (i, l) => Line("backbone", i, s.PretrainSteps, l));
        var baselineRows = HmtRun.Compare(s, backbone, null, cfg);
        if (s.Out is not null)
            Checkpoint.Save(Path.Combine(s.Out, "backbone"), cfg.Backbone, HmtRun.BackboneVersion(cfg.Backbone), HmtFactory.BackboneFactory(cfg.Backbone), backboneCfg, backboneModule,
                new JsonObject { ["role"] = "HMT baseline: the backbone alone, trained on windows of segment_length tokens" });
        using var hmt = new HierarchicalMemoryTransformer(cfg, backboneModule);
        Func<int, int, (Tensor, Tensor)> batch = (_, segments) =>
        {
            if (text is not null) return ByteText.Windows(text.Train, s.Batch, segments * cfg.TextBlock, rng);
            return recallTrain.Batch(s.Batch, segments, rng);
        };
        var stage1 = new HmtStage("stage 1", s.Stage1Steps, s.Stage1Segments, s.Stage1Unroll, UseRecall: false);
        var stage2 = new HmtStage("stage 2", s.Stage2Steps, s.Stage2Segments, s.Stage2Unroll, UseRecall: true);
        var c1 = MultiStageTraining.TrainStage(hmt, stage1, batch, s.Lr, (i, l) => Line("hmt stage 1 (no recall)", i, stage1.Steps, l));
        var c2 = MultiStageTraining.TrainStage(hmt, stage2, batch, s.Lr, (i, l) => Line("hmt stage 2 (recall)", i, stage2.Steps, l));
        var hmtRows = HmtRun.Compare(s, backbone, hmt, cfg);
        // the baseline is the backbone as it was before HMT training (differs only when --train-backbone)
        var rows = hmtRows.Select((r, i) => r with { Backbone = baselineRows[i].Backbone }).ToList();
        HmtRun.Print(s, cfg, rows);
        var trainable = hmt.TrainableParameters().Sum(p => p.numel());
        var added = hmt.MemoryParameters().Sum(p => p.numel());
        var total = hmt.parameters().Sum(p => p.numel());
        AnsiConsole.MarkupLine($"parameters: backbone {total - added:N0}, HMT adds {added:N0} ({100.0 * added / (total - added):F1}%), trained {trainable:N0}; {sw.Elapsed.TotalSeconds:F0}s");
        if (s.Out is not null)
        {
            var extra = new JsonObject
            {
                ["task"] = s.Task,
                ["stage1_final_loss"] = c1.Count > 0 ? c1[^1] : null,
                ["stage2_final_loss"] = c2.Count > 0 ? c2[^1] : null,
                ["results"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject { ["metric"] = r.Metric, ["backbone"] = r.Backbone, ["hmt"] = r.Hmt }).ToArray()),
            };
            Checkpoint.Save(Path.Combine(s.Out, "hmt"), "hmt", typeof(HmtFactory).Assembly.GetName().Version!.ToString(3), new HmtFactory(), cfg with { UseRecall = true }, hmt, extra);
            AtomicFile.WriteAllText(Path.Combine(s.Out, "report.md"), HmtRun.Markdown(s, cfg, rows));
            LossCurvePlot.Save(Path.Combine(s.Out, "loss.png"), [c0, c1, c2]);
            AnsiConsole.MarkupLine($"checkpoints, report.md and loss.png (grey: backbone alone, blue: stage 1, red: stage 2) written to {Markup.Escape(s.Out)}");
        }
        return 0;
    }
}

/// <summary><c>zoo eval hmt --checkpoint DIR</c>: HMT against the saved baseline backbone, same window.</summary>
public sealed class EvalHmtCommand : Command<HmtSettings>
{
    public override int Execute(CommandContext context, HmtSettings s, CancellationToken cancellationToken)
    {
        if (s.CheckpointDir is null) throw new ArgumentException("eval hmt needs --checkpoint DIR (a folder written by zoo train hmt --out DIR).");
        var (module, cfgObj, info) = Checkpoint.Load(Path.Combine(s.CheckpointDir, "hmt"), new HmtFactory());
        using var hmt = (HierarchicalMemoryTransformer)module;
        var cfg = (HmtConfig)cfgObj;
        var task = info.Extra["task"]?.GetValue<string>() ?? s.Task;
        var settings = new HmtSettings
        {
            Task = task, Data = s.Data, EvalSegments = s.EvalSegments, EvalSequences = s.EvalSequences, RecallSegments = s.RecallSegments, Keys = s.Keys, Seed = s.Seed,
        };
        var backboneDir = Path.Combine(s.CheckpointDir, "backbone");
        var (bb, _, _) = Checkpoint.Load(backboneDir, HmtFactory.BackboneFactory(cfg.Backbone));
        using var baseline = bb;
        if (baseline is not ISequenceModel seq) throw new InvalidDataException($"{backboneDir}: model '{cfg.Backbone}' is not a sequence model.");
        var rows = HmtRun.Compare(settings, seq, hmt, cfg);
        HmtRun.Print(settings, cfg, rows);
        if (s.Out is not null)
        {
            AtomicFile.WriteAllText(s.Out, HmtRun.Markdown(settings, cfg, rows));
            AnsiConsole.MarkupLine($"table written to {Markup.Escape(s.Out)}");
        }
        return 0;
    }
}

[ZooExport(typeof(IZooCommandProvider), "hmt-commands", Task = ZooTasks.SequenceModeling, Summary = "train/eval/bench HMT around a zoo sequence model.")]
public sealed class HmtCommands : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("train", "hmt", typeof(TrainHmtCommand), "Train HMT around --backbone (stage 0 backbone alone, stage 1 no recall, stage 2 recall) on text or long-range recall."),
        new("eval", "hmt", typeof(EvalHmtCommand), "Perplexity / long-range recall of an HMT checkpoint against its backbone alone with the same window."),
        new("bench", "hmt", typeof(BenchHmtCommand), "Time and memory per token from 1x to 16x the window: HMT against the backbone over the full context; MFU vs MatmulPeak."),
    ];
}
