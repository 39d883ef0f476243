using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Training and evaluation loops for the hybrid LM (AdamW, cosine decay with warm-up, gradient clipping).</summary>
public static class LmTrainer
{
    /// <summary>Cross-entropy over targets != -100.</summary>
    public static Tensor Loss(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), ignore_index: -100);

    /// <summary>Trains for <paramref name="steps"/> steps; <paramref name="report"/> gets (step, loss) every few steps. Returns the loss curve.</summary>
    public static List<double> Train(HybridLM model, Func<int, (Tensor Inputs, Tensor Targets)> batch, int steps, double lr,
        Action<int, double>? report = null, double weightDecay = 0.1, int warmup = 20)
    {
        model.train();
        using var opt = optim.AdamW(model.parameters(), lr, weight_decay: weightDecay);
        var curve = new List<double>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var scale = step < warmup ? (step + 1.0) / warmup : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, steps - warmup)));
            foreach (var g in opt.ParamGroups) g.LearningRate = lr * Math.Max(0.05, scale);
            var (x, y) = batch(step);
            opt.zero_grad();
            var loss = Loss(model.forward(x), y);
            var value = loss.item<float>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"Training diverged at step {step} (loss {value}); lower the learning rate.");
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            opt.step();
            curve.Add(value);
            report?.Invoke(step, value);
        }
        model.eval();
        return curve;
    }

    /// <summary>MQAR recall: fraction of query positions whose argmax is the right value.</summary>
    public static double Recall(HybridLM model, Mqar task, int batches, int batchSize, int seed)
    {
        model.eval();
        using var _ = no_grad();
        var rng = new Random(seed);
        long correct = 0, total = 0;
        for (int i = 0; i < batches; i++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = task.Batch(batchSize, rng);
            var pred = model.forward(x).argmax(-1);
            var scored = y.ne(-100);
            correct += pred.eq(y).logical_and(scored).sum().item<long>();
            total += scored.sum().item<long>();
        }
        return (double)correct / total;
    }

    /// <summary>Validation perplexity exp(mean byte cross-entropy) over deterministic windows.</summary>
    public static double Perplexity(HybridLM model, ByteCorpus corpus, int length, int maxWindows, int batchSize = 16)
    {
        model.eval();
        using var _ = no_grad();
        double sum = 0;
        long count = 0;
        foreach (var (x, y) in corpus.ValidationWindows(batchSize, length, maxWindows))
        {
            using var scope = NewDisposeScope();
            var loss = Loss(model.forward(x), y);
            sum += loss.item<float>() * y.numel();
            count += y.numel();
            x.Dispose(); y.Dispose();
        }
        return Math.Exp(sum / count);
    }
}
