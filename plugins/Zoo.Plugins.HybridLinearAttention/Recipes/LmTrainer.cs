using Zoo.Core;
using Zoo.Toolkit.Sequence;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Training and evaluation of the hybrid LM (AdamW, warm-up then cosine decay, gradient clipping at 1).</summary>
public static class LmTrainer
{
    /// <summary>Cross-entropy over targets != -100.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets) => LmLoss.CrossEntropy(logits, targets);

    /// <summary>
    /// Trains for <paramref name="steps"/> steps through the toolkit's <see cref="TrainingLoop"/> (one epoch of
    /// <paramref name="steps"/> batches); the learning-rate schedule advances as batches are drawn. Returns the per-step losses.
    /// </summary>
    public static List<double> Train(IZooContext context, HybridLM model, Func<int, (Tensor Inputs, Tensor Targets)> batch, int steps, double lr,
        double weightDecay = 0.1, int warmup = 20, string name = "train hybrid-lm")
    {
        if (steps <= 0) return [];
        using var opt = optim.AdamW(model.parameters(), lr, weight_decay: weightDecay);
        IEnumerable<int> Steps(int epoch)
        {
            for (int step = 0; step < steps; step++)
            {
                WarmupCosine.Apply(opt, lr, step, steps, warmup);
                yield return step;
            }
        }
        var options = new TrainingOptions { Epochs = 1, MaxSteps = steps, ClipGradNorm = 1.0, Name = name };
        // the batch is built inside the loop's per-step dispose scope (in the loss), so its tensors are freed with the step
        var history = TrainingLoop.Run(context, options, model, opt, Steps, step =>
        {
            var (x, y) = batch(step);
            return Loss(model.forward(x), y);
        }, stepsInEpoch: _ => steps);
        return history.StepLosses.ToList();
    }

    /// <summary>MQAR recall: fraction of query positions whose argmax is the right value.</summary>
    public static double Recall(HybridLM model, Mqar task, int batches, int batchSize, int seed)
    {
        model.eval();
        var rng = new Random(seed);
        return LmLoss.Accuracy(model.forward, Enumerable.Range(0, batches).Select(_ => task.Batch(batchSize, rng)));
    }

    /// <summary>Validation perplexity exp(mean byte cross-entropy) over deterministic windows.</summary>
    public static double Perplexity(HybridLM model, ByteText corpus, int length, int maxWindows, int batchSize = 16)
    {
        model.eval();
        return LmLoss.Perplexity(model.forward, corpus.ValidationWindows(batchSize, length, maxWindows)).Perplexity;
    }
}
