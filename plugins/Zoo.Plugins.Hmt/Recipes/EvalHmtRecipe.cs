using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Hmt;

/// <summary><c>zoo eval hmt --checkpoint DIR</c>: HMT against the saved baseline backbone, same window (--out: markdown table).</summary>
public sealed class EvalHmtRecipe() : Recipe<HmtOptions>(ZooVerbs.Eval, "hmt",
    "Perplexity / long-range recall of an HMT checkpoint against its backbone alone with the same window.")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => HmtOptions.CommonAliases;

    public override int Run(IZooContext context, CommonOptions common, HmtOptions s)
    {
        if (common.Checkpoint is null) throw new ArgumentException("eval hmt needs --checkpoint DIR (a folder written by zoo train hmt --out DIR).");
        var (module, cfgObj, info) = Checkpoint.Load(Path.Combine(common.Checkpoint, "hmt"), new HmtFactory(), context);
        using var hmt = (HierarchicalMemoryTransformer)module;
        var cfg = (HmtConfig)cfgObj;
        // checkpoints before typed side data kept the task as a top-level string
        var task = info.Side<HmtRunSummary>(HmtRunSummary.Key)?.Task
            ?? (info.Extra["task"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : s.Task);
        var options = new HmtOptions
        {
            Task = task, EvalSegments = s.EvalSegments, EvalSequences = s.EvalSequences, RecallSegments = s.RecallSegments, Keys = s.Keys,
        };
        options.Validate();
        var backboneDir = Path.Combine(common.Checkpoint, "backbone");
        var factory = context.Catalog.Get<IModelFactory>(ModelSpec.Parse(cfg.Backbone).Key);
        var (bb, _, _) = Checkpoint.Load(backboneDir, factory, context);
        using var baseline = bb;
        if (baseline is not ISequenceModel seq) throw new InvalidDataException($"{backboneDir}: model '{cfg.Backbone}' is not a sequence model.");
        var rows = HmtRun.Compare(options, common.Data, common.Seed ?? 3407, seq, hmt, cfg);
        HmtRun.Print(context, task, rows);
        if (common.Out is not null)
        {
            AtomicFile.WriteAllText(common.Out, HmtRun.Markdown(task, cfg, rows));
            context.Output.Line($"table written to {common.Out}");
        }
        return 0;
    }
}
