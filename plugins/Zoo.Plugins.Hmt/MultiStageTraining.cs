using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Sequence;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// One training stage (HMT Sec. 4 / HMT-pytorch --hmt_stage_1, --hmt_stage_2): <see cref="Segments"/> segments per sample,
/// gradients flow through the memory across <see cref="Unroll"/> consecutive segments (BPTT depth; the state is detached
/// between unroll groups), recall on or off.
/// </summary>
public sealed record HmtStage(string Name, int Steps, int Segments, int Unroll, bool UseRecall)
{
    public void Validate()
    {
        if (Steps < 0 || Segments < 1 || Unroll < 1)
            throw new ArgumentException($"HMT stage '{Name}': steps >= 0, segments >= 1 and unroll >= 1 required (got {Steps}, {Segments}, {Unroll}).");
    }
}

/// <summary>Training loops: the backbone alone on windows (pre-training / the truncated-context baseline) and HMT by stages.</summary>
public static class MultiStageTraining
{
    /// <summary>Cross-entropy summed over targets != -100, and their count.</summary>
    public static (Tensor Sum, long Count) LossSum(Tensor logits, Tensor targets) => LmLoss.Sum(logits, targets);

    /// <summary>Backbone logits for token ids.</summary>
    public static Tensor BackboneLogits(ISequenceModel backbone, Tensor tokens) => backbone.Head(backbone.ForwardEmbeddings(backbone.Embed(tokens)));

    /// <summary>
    /// Trains the backbone alone on batches from <paramref name="batch"/> (AdamW, warm-up + cosine, clip 1) through the
    /// toolkit's <see cref="TrainingLoop"/>; the schedule advances as batches are drawn. Returns the per-step losses.
    /// </summary>
    public static List<double> TrainBackbone(IZooContext context, nn.Module backbone, Func<int, (Tensor Inputs, Tensor Targets)> batch, int steps, double lr,
        string name = "backbone")
    {
        var seq = (ISequenceModel)backbone;
        if (steps == 0) return [];
        var ps = backbone.parameters().ToList();
        foreach (var p in ps) p.requires_grad = true;
        using var opt = optim.AdamW(ps, lr, weight_decay: 0.1);
        IEnumerable<int> Steps(int epoch)
        {
            for (int step = 0; step < steps; step++)
            {
                WarmupCosine.Apply(opt, lr, step, steps, 20);
                yield return step;
            }
        }
        var options = new TrainingOptions { Epochs = 1, MaxSteps = steps, ClipGradNorm = 1.0, Name = name };
        var history = TrainingLoop.Run(context, options, backbone, opt, Steps, step =>
        {
            var (x, y) = batch(step);
            var (sum, count) = LossSum(BackboneLogits(seq, x), y);
            return sum / Math.Max(1, count);
        }, stepsInEpoch: _ => steps);
        return history.StepLosses.ToList();
    }

    /// <summary>
    /// One HMT stage. <paramref name="batch"/>(step, segments) gives inputs/targets [B, segments * text block]. Per sample the
    /// segments run in unroll groups: the loss of a group (mean over its scored tokens) is back-propagated through the memory
    /// of that group, then the state is detached. One optimiser step per sample batch. Returns the loss curve.
    /// Not the toolkit's TrainingLoop: truncated BPTT runs one backward per unroll group before the single optimiser step
    /// (the loop takes one loss tensor per step), and batches without a scored token are skipped.
    /// </summary>
    public static List<double> TrainStage(HierarchicalMemoryTransformer model, HmtStage stage, Func<int, int, (Tensor Inputs, Tensor Targets)> batch,
        double lr, IZooContext? context = null)
    {
        context ??= ZooContext.Default;
        stage.Validate();
        var curve = new List<double>();
        model.UseRecall = stage.UseRecall;
        if (stage.Steps == 0) return curve;
        model.train();
        var ps = model.TrainableParameters().ToList();
        using var opt = optim.AdamW(ps, lr, weight_decay: 0.0);
        using var progress = context.Progress.Start($"hmt {stage.Name}", stage.Steps);
        for (int step = 0; step < stage.Steps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            WarmupCosine.Apply(opt, lr, step, stage.Steps, 10);
            var (x, y) = batch(step, stage.Segments);
            model.CheckTokens(x, "training inputs");
            opt.zero_grad();
            var value = UnrollStep(model, x, y, stage.Unroll);
            if (double.IsNaN(value)) continue;
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"HMT stage '{stage.Name}' diverged at step {step} (loss {value}); lower the learning rate.");
            nn.utils.clip_grad_norm_(ps, 1.0);
            opt.step();
            curve.Add(value);
            progress.Advance();
            if (step % 25 == 0) progress.Describe($"hmt {stage.Name} loss {value:F4}");
        }
        model.eval();
        return curve;
    }

    /// <summary>Forward + backward of one sample batch in unroll groups; returns the mean loss over scored tokens (NaN if none).</summary>
    public static double UnrollStep(HierarchicalMemoryTransformer model, Tensor x, Tensor y, int unroll)
    {
        var xs = Segmentation.Split(x, model.Config.TextBlock);
        var ys = Segmentation.Split(y, model.Config.TextBlock);
        var state = model.InitialState(x.shape[0]);
        double total = 0;
        long scored = 0;
        for (int g = 0; g < xs.Count; g += unroll)
        {
            Tensor? groupSum = null;
            long groupCount = 0;
            for (int i = g; i < Math.Min(xs.Count, g + unroll); i++)
            {
                var o = model.ForwardSegment(xs[i], state);
                state = o.State;
                var (sum, count) = LossSum(o.Logits, ys[i]);
                if (count == 0) continue;
                groupSum = groupSum is null ? sum : groupSum + sum;
                groupCount += count;
            }
            if (groupSum is not null)
            {
                total += groupSum.item<float>();
                scored += groupCount;
                // nothing trainable on the path (frozen backbone, detached memory, recall off): no gradient to take
                if (groupSum.requires_grad) (groupSum / groupCount).backward();
            }
            state = state.Detach();   // truncated BPTT: no gradient through memory across unroll groups
        }
        return scored == 0 ? double.NaN : total / scored;
    }
}
