using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using Zoo.Toolkit.Plots;

namespace Zoo.Plugins.ViViT;

/// <summary><c>zoo eval vivit</c>: top-1, per-class recall and a confusion-matrix PNG of a checkpoint.</summary>
public sealed class ViViTEvalRecipe() : Recipe<ViViTEvalOptions>(ZooVerbs.Eval, "vivit",
    "Top-1, per-class accuracy and a confusion-matrix PNG of a ViViT checkpoint.")
{
    public override int Run(IZooContext context, CommonOptions common, ViViTEvalOptions s)
    {
        var dir = common.Checkpoint ?? "runs/vivit";
        var (model, classes, _) = ClipSources.LoadCheckpoint(dir, context);
        using (model)
        {
            // Generated evaluation clips use another seed than training (seed + 1000).
            int seed = (int)(common.Seed ?? 0) + 1000;
            var data = ClipSources.Load(common.Data, s, model.InputSpec, model.NumFrames, classes.Count, seed, context, classes);
            var r = VideoTraining.Evaluate(model, data, common.BatchSize ?? 32, context.Device);
            ClipSources.PrintEval(context.Output, r, classes);
            var png = s.Png ?? Path.Combine(dir, "confusion_matrix.png");
            PlotWriter.ConfusionMatrix(png, $"ViViT confusion matrix ({data.Description})", r.Counts, classes);
            context.Output.Line($"confusion matrix: {Path.GetFullPath(png)}");
        }
        return 0;
    }
}

/// <summary><c>zoo predict vivit</c>: classifies clips; exit code 1 when a clip cannot be read.</summary>
public sealed class ViViTPredictRecipe() : Recipe<ViViTPredictOptions>(ZooVerbs.Predict, "vivit",
    "Classify clips (frame folders, animated GIF/WebP) with a ViViT checkpoint.")
{
    public override int Run(IZooContext context, CommonOptions common, ViViTPredictOptions s)
    {
        var clips = (s.Clips ?? []).SelectMany(c => c.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (common.Data is { } data) clips.Insert(0, data);
        if (clips.Count == 0) throw new ArgumentException("Give one or more clips (--data CLIP, --clips a.gif;b.webp).");
        var (model, classes, info) = ClipSources.LoadCheckpoint(common.Checkpoint ?? "runs/vivit", context);
        using (model)
        {
            var sampling = info.Side<ClipSampling>(ClipSampling.Key) ?? new ClipSampling();
            var mode = FrameSampling.Parse(s.Sampling ?? sampling.Mode);
            int stride = s.Stride ?? sampling.Stride;
            var spec = model.InputSpec;
            var rows = new List<IReadOnlyList<string>>();
            int failed = 0;
            foreach (var clip in clips)
            {
                try
                {
                    var x = VideoClip.Load(clip, spec, mode, model.NumFrames, stride);
                    using var scope = torch.NewDisposeScope();
                    using var _ = torch.no_grad();
                    var input = torch.tensor(x, [1, model.NumFrames, spec.Channels, spec.Height, spec.Width]).to(context.Device);
                    var p = model.forward(input).softmax(1).cpu().data<float>().ToArray();
                    var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
                    rows.Add([clip, classes[order[0]], p[order[0]].ToString("F3", CultureInfo.InvariantCulture),
                        p.Length > 1 ? $"{classes[order[1]]} ({p[order[1]].ToString("F3", CultureInfo.InvariantCulture)})" : ""]);
                }
                catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
                {
                    failed++;
                    rows.Add([clip, "error", "", ex.Message]);
                }
            }
            context.Output.Table("predictions", ["clip", "prediction", "probability", "runner-up"], rows);
            return failed == 0 ? 0 : 1;
        }
    }
}
