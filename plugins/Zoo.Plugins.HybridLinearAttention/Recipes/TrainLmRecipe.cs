using System.Globalization;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Sequence;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary><c>zoo train hybrid-lm</c> (alias <c>zoo train lm</c>): trains on MQAR or text, reports recall / perplexity, saves a checkpoint.</summary>
public sealed class TrainLmRecipe(string model = "hybrid-lm")
    : Recipe<LmOptions>(ZooVerbs.Train, model, "Train the hybrid memory/attention byte LM on MQAR or tinyshakespeare.")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => LmOptions.CommonAliases;

    public override int Run(IZooContext context, CommonOptions common, LmOptions options)
    {
        options.Validate();
        var run = new LmRun(context, common, options);
        var cfg = options.ModelConfig(common);
        var (model, curve) = run.Train(cfg, $"{cfg.Mixer} hybrid {cfg.Hybrid}");
        using (model)
        {
            var score = run.Evaluate(model);
            var layers = LmRun.Describe(model);
            context.Output.Line(options.Task == "mqar"
                ? string.Create(CultureInfo.InvariantCulture, $"MQAR recall ({options.Pairs} pairs) {score:P1} layers {layers}")
                : string.Create(CultureInfo.InvariantCulture, $"validation perplexity {score:F3} (bits/byte {Math.Log2(score):F3}) layers {layers}"));
            if (common.Out is not null)
            {
                var summary = new LmRunSummary
                {
                    Task = options.Task,
                    MqarRecall = options.Task == "mqar" ? score : null,
                    ValPerplexity = options.Task == "text" ? score : null,
                    FinalTrainLoss = curve.Count > 0 ? curve[^1] : null,
                };
                var side = new CheckpointSideData().With(LmRunSummary.Key, summary);
                if (options.Task == "text")
                    side.With(DataProvenance.Key, new DataProvenance { Source = run.Text.Path, Name = Path.GetFileNameWithoutExtension(Path.GetDirectoryName(run.Text.Path)) ?? "" });
                var version = typeof(HybridLM).Assembly.GetName().Version!.ToString(3);
                Checkpoint.Save(common.Out, "hybrid-lm", version, new HybridLmFactory(), cfg, model, side: side);
                context.Output.Line($"checkpoint written to {common.Out}");
            }
            var plot = options.Plot ?? (common.Out is null ? null : Path.Combine(common.Out, "loss.png"));
            if (plot is not null && curve.Count > 0)
            {
                LossCurves.Write(plot, $"hybrid-lm {options.Task}: {cfg.Mixer} hybrid {cfg.Hybrid}, layers {layers}", [($"{cfg.Mixer} ({layers})", curve)]);
                context.Output.Line($"loss curve written to {plot}");
            }
        }
        return 0;
    }
}
