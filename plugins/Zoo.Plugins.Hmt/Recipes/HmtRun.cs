using System.Globalization;
using System.Text;
using Zoo.Core;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>One line of the comparison: (what, backbone alone, HMT).</summary>
public sealed record HmtResultRow(string Metric, double Backbone, double Hmt);

/// <summary>What <c>zoo train hmt</c> saves beside the HMT weights (config.json, key "hmt_run").</summary>
public sealed record HmtRunSummary
{
    public const string Key = "hmt_run";

    /// <summary>text or recall.</summary>
    public string Task { get; init; } = "";

    public double? Stage1FinalLoss { get; init; }

    public double? Stage2FinalLoss { get; init; }

    public IReadOnlyList<HmtResultRow> Results { get; init; } = [];
}

/// <summary>Why the backbone checkpoint beside an HMT checkpoint exists (key "hmt_baseline").</summary>
public sealed record HmtBaselineNote
{
    public const string Key = "hmt_baseline";

    public string Role { get; init; } = "";
}

/// <summary>The shared steps of train and eval.</summary>
public static class HmtRun
{
    /// <summary>Scores the backbone alone (truncated context, window L) and HMT on the options' task.</summary>
    public static List<HmtResultRow> Compare(HmtOptions s, string? data, long seed, ISequenceModel backbone, HierarchicalMemoryTransformer? hmt, HmtConfig cfg)
    {
        var rows = new List<HmtResultRow>();
        if (hmt is not null) { hmt.eval(); hmt.UseRecall = true; }
        ((nn.Module)backbone).eval();
        Func<Tensor, Tensor> baseline = x => HmtEvaluation.TruncatedBackboneLogits(backbone, x, cfg.SegmentLength, cfg.TextBlock);
        Func<Tensor, Tensor> withMemory = x => hmt!.forward(x);
        if (s.Task == "text")
        {
            var text = ByteText.Open(data);
            using var scope = NewDisposeScope();
            var (x, y) = ByteText.Sequences(text.Validation, s.EvalSegments * cfg.TextBlock, s.EvalSequences);
            var b = HmtEvaluation.Perplexity(baseline, x, y);
            var h = hmt is null ? (double.NaN, double.NaN) : HmtEvaluation.Perplexity(withMemory, x, y);
            rows.Add(new HmtResultRow($"perplexity ({x.shape[0]} x {x.shape[1]} bytes = {s.EvalSegments} windows)", b.Perplexity, h.Item2));
            rows.Add(new HmtResultRow("bits per byte", b.Nll / Math.Log(2), h.Item1 / Math.Log(2)));
        }
        else
        {
            var task = new LongRangeRecall(cfg.TextBlock, s.Keys, QueryEverySegment: false);
            foreach (var n in s.RecallSegmentCounts())
            {
                using var scope = NewDisposeScope();
                var (x, y) = task.Batch(s.EvalSequences, n, new Random((int)seed + 7919 * n));
                rows.Add(new HmtResultRow($"recall, key {n - 1} segment(s) back ({n * cfg.TextBlock} tokens)",
                    HmtEvaluation.Accuracy(baseline, x, y), hmt is null ? double.NaN : HmtEvaluation.Accuracy(withMemory, x, y)));
            }
        }
        return rows;
    }

    private static readonly string[] Headers = ["metric", "backbone alone (window L)", "HMT (window L)"];

    public static string Markdown(string task, HmtConfig cfg, IEnumerable<HmtResultRow> rows)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"HMT around {cfg.Backbone} {cfg.BackboneConfig?.ToJsonString()}: window L={cfg.SegmentLength}, ");
        md.Append(CultureInfo.InvariantCulture, $"text block {cfg.TextBlock}, k={cfg.NumSensory}, N={cfg.MemRecallContext}, h={cfg.MemRecallHiddenDim}, ");
        md.Append(CultureInfo.InvariantCulture, $"backbone {(cfg.FreezeBackbone ? "frozen" : "trained")}, task {task}\n\n");
        md.Append("| ").Append(string.Join(" | ", Headers)).Append(" |\n|---|---|---|\n");
        foreach (var r in rows) md.Append(CultureInfo.InvariantCulture, $"| {r.Metric} | {Fmt(task, r.Backbone)} | {Fmt(task, r.Hmt)} |\n");
        return md.ToString();
    }

    private static string Fmt(string task, double v) =>
        double.IsNaN(v) ? "-" : task == "recall" ? v.ToString("P1", CultureInfo.InvariantCulture) : v.ToString("F3", CultureInfo.InvariantCulture);

    public static void Print(IZooContext context, string task, IEnumerable<HmtResultRow> rows) =>
        context.Output.Table("", Headers, rows.Select(r => (IReadOnlyList<string>)[r.Metric, Fmt(task, r.Backbone), Fmt(task, r.Hmt)]));

    public static string BackboneVersion(IZooContext context, string name) =>
        context.Catalog.Models().FirstOrDefault(m => m.Metadata.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Version?.ToString(3) ?? "";
}
