using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// <c>zoo train hmt [--backbone NAME[:PRESET]]</c>: trains the backbone alone on windows of L tokens (the truncated-context
/// baseline), wraps it with HMT, runs stage 1 (no recall, short unroll) and stage 2 (recall, longer unroll), then compares both.
/// </summary>
public sealed class TrainHmtRecipe() : Recipe<HmtOptions>(ZooVerbs.Train, "hmt",
    "Train HMT around --backbone (stage 0 backbone alone, stage 1 no recall, stage 2 recall) on text or long-range recall.")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => HmtOptions.CommonAliases;

    public override int Run(IZooContext context, CommonOptions common, HmtOptions s)
    {
        s.Validate();
        var cfg = s.Config(common);
        cfg.Validate();
        var (batchSize, lr, seed) = (common.BatchSize ?? 16, common.Lr ?? 1e-3, common.Seed ?? 3407);
        if (batchSize < 1) throw new ArgumentException("--batch-size must be positive.");
        manual_seed(seed);
        var rng = new Random((int)seed);
        var (backboneModule, resolved) = HmtFactory.CreateBackbone(cfg, context);
        var backbone = (ISequenceModel)backboneModule;
        var text = s.Task == "text" ? ByteText.Open(common.Data) : null;
        if (text is not null && backbone.VocabSize < 256)
            throw new ArgumentException($"--task text is byte-level (256 ids) but backbone '{cfg.Backbone}' has vocab_size {backbone.VocabSize}.");
        var recallTrain = new LongRangeRecall(cfg.TextBlock, s.Keys, QueryEverySegment: true);
        var recallBaseline = recallTrain with { QueryEverySegment = false };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        // Stage 0: the backbone alone on windows of L tokens (its truncated context); this is also the baseline.
        var c0 = MultiStageTraining.TrainBackbone(context, backboneModule, _ =>
        {
            if (text is not null) return ByteText.Windows(text.Train, batchSize, cfg.SegmentLength, rng);
            var (x, y) = recallBaseline.Batch(batchSize, s.Stage2Segments, rng);
            var t = x.shape[1];
            var w = Math.Min(t, cfg.SegmentLength);
            return (x.narrow(1, t - w, w), y.narrow(1, t - w, w));
        }, s.PretrainSteps, s.BackboneLr);
        var baselineRows = HmtRun.Compare(s, common.Data, seed, backbone, null, cfg);
        if (common.Out is not null)
        {
            var note = new HmtBaselineNote { Role = "HMT baseline: the backbone alone, trained on windows of segment_length tokens" };
            Checkpoint.Save(Path.Combine(common.Out, "backbone"), resolved.Name, HmtRun.BackboneVersion(context, resolved.Name), resolved.Factory,
                resolved.Config, backboneModule, side: new CheckpointSideData().With(HmtBaselineNote.Key, note));
        }
        using var hmt = new HierarchicalMemoryTransformer(cfg, backboneModule);
        Func<int, int, (Tensor, Tensor)> batch = (_, segments) => text is not null
            ? ByteText.Windows(text.Train, batchSize, segments * cfg.TextBlock, rng)
            : recallTrain.Batch(batchSize, segments, rng);
        var stage1 = new HmtStage("stage 1", s.Stage1Steps, s.Stage1Segments, s.Stage1Unroll, UseRecall: false);
        var stage2 = new HmtStage("stage 2", s.Stage2Steps, s.Stage2Segments, s.Stage2Unroll, UseRecall: true);
        var c1 = MultiStageTraining.TrainStage(hmt, stage1, batch, lr, context);
        var c2 = MultiStageTraining.TrainStage(hmt, stage2, batch, lr, context);
        var hmtRows = HmtRun.Compare(s, common.Data, seed, backbone, hmt, cfg);
        // the baseline is the backbone as it was before HMT training (differs only when --train-backbone)
        var rows = hmtRows.Select((r, i) => r with { Backbone = baselineRows[i].Backbone }).ToList();
        HmtRun.Print(context, s.Task, rows);
        var trainable = hmt.TrainableParameters().Sum(p => p.numel());
        var added = hmt.MemoryParameters().Sum(p => p.numel());
        var total = hmt.parameters().Sum(p => p.numel());
        context.Output.Line($"parameters: backbone {total - added:N0}, HMT adds {added:N0} ({100.0 * added / (total - added):F1}%), " +
            $"trained {trainable:N0}; {sw.Elapsed.TotalSeconds:F0}s");
        if (common.Out is not null)
        {
            var summary = new HmtRunSummary
            {
                Task = s.Task, Stage1FinalLoss = c1.Count > 0 ? c1[^1] : null, Stage2FinalLoss = c2.Count > 0 ? c2[^1] : null, Results = rows,
            };
            var side = new CheckpointSideData().With(HmtRunSummary.Key, summary);
            if (text is not null) side.With(DataProvenance.Key, new DataProvenance { Source = text.Path, Name = "tinyshakespeare" });
            var version = typeof(HmtFactory).Assembly.GetName().Version!.ToString(3);
            Checkpoint.Save(Path.Combine(common.Out, "hmt"), "hmt", version, new HmtFactory(), cfg with { UseRecall = true }, hmt, side: side);
            AtomicFile.WriteAllText(Path.Combine(common.Out, "report.md"), HmtRun.Markdown(s.Task, cfg, rows));
            var stages = new List<(string, IReadOnlyList<double>)> { ("backbone alone", c0), ("HMT stage 1 (no recall)", c1), ("HMT stage 2 (recall)", c2) };
            if (stages.Any(st => st.Item2.Count > 0))
                LossCurves.WriteStages(Path.Combine(common.Out, "loss.png"), $"HMT around {cfg.Backbone}, task {s.Task}: training loss", stages);
            context.Output.Line($"checkpoints, report.md and loss.png written to {common.Out}");
        }
        return 0;
    }
}
