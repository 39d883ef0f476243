using TorchSharp;
using Zoo.Core;
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
        if (Steps < 0 || Segments < 1 || Unroll < 1) throw new ArgumentException($"HMT stage '{Name}': steps >= 0, segments >= 1 and unroll >= 1 required (got {Steps}, {Segments}, {Unroll}).");
    }
}

/// <summary>Training loops: the backbone alone on windows (pre-training / the truncated-context baseline) and HMT by stages.</summary>
public static class MultiStageTraining
{
    /// <summary>Cross-entropy summed over targets != -100, and their count.</summary>
    public static (Tensor Sum, long Count) LossSum(Tensor logits, Tensor targets)
    {
        var flat = targets.reshape(-1);
        var count = flat.ne(-100).sum().item<long>();
        var sum = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), flat, ignore_index: -100, reduction: nn.Reduction.Sum);
        return (sum, count);
    }

    /// <summary>Backbone logits for token ids.</summary>
    public static Tensor BackboneLogits(ISequenceModel backbone, Tensor tokens) => backbone.Head(backbone.ForwardEmbeddings(backbone.Embed(tokens)));

    private static double Schedule(int step, int steps, int warmup) =>
        Math.Max(0.05, step < warmup ? (step + 1.0) / warmup : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, steps - warmup))));

    /// <summary>Trains the backbone alone on batches from <paramref name="batch"/> (AdamW, warm-up + cosine, clip 1). Returns the loss curve.</summary>
    public static List<double> TrainBackbone(nn.Module backbone, Func<int, (Tensor Inputs, Tensor Targets)> batch, int steps, double lr, Action<int, double>? report = null)
    {
        var seq = (ISequenceModel)backbone;
        var curve = new List<double>();
        if (steps == 0) return curve;
        backbone.train();
        var ps = backbone.parameters().ToList();
        foreach (var p in ps) p.requires_grad = true;
        using var opt = optim.AdamW(ps, lr, weight_decay: 0.1);
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var g in opt.ParamGroups) g.LearningRate = lr * Schedule(step, steps, 20);
            var (x, y) = batch(step);
            opt.zero_grad();
            var (sum, count) = LossSum(BackboneLogits(seq, x), y);
            if (count == 0) continue;
            var loss = sum / count;
            var value = loss.item<float>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"Backbone training diverged at step {step} (loss {value}); lower the learning rate.");
            loss.backward();
            nn.utils.clip_grad_norm_(ps, 1.0);
            opt.step();
            curve.Add(value);
            report?.Invoke(step, value);
        }
        backbone.eval();
        return curve;
    }

    /// <summary>
    /// One HMT stage. <paramref name="batch"/>(step, segments) gives inputs/targets [B, segments * text block]. Per sample the
    /// segments run in unroll groups: the loss of a group (mean over its scored tokens) is back-propagated through the memory
    /// of that group, then the state is detached. One optimiser step per sample batch. Returns the loss curve.
    /// </summary>
    public static List<double> TrainStage(HierarchicalMemoryTransformer model, HmtStage stage, Func<int, int, (Tensor Inputs, Tensor Targets)> batch,
        double lr, Action<int, double>? report = null)
    {
        stage.Validate();
        var curve = new List<double>();
        model.UseRecall = stage.UseRecall;
        if (stage.Steps == 0) return curve;
        model.train();
        var ps = model.TrainableParameters().ToList();
        using var opt = optim.AdamW(ps, lr, weight_decay: 0.0);
        for (int step = 0; step < stage.Steps; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var g in opt.ParamGroups) g.LearningRate = lr * Schedule(step, stage.Steps, 10);
            var (x, y) = batch(step, stage.Segments);
            model.CheckTokens(x, "training inputs");
            opt.zero_grad();
            var value = UnrollStep(model, x, y, stage.Unroll);
            if (double.IsNaN(value)) continue;
            if (!double.IsFinite(value)) throw new InvalidOperationException($"HMT stage '{stage.Name}' diverged at step {step} (loss {value}); lower the learning rate.");
            nn.utils.clip_grad_norm_(ps, 1.0);
            opt.step();
            curve.Add(value);
            report?.Invoke(step, value);
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
