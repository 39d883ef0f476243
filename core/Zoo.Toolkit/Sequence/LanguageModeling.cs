using static TorchSharp.torch;

namespace Zoo.Toolkit.Sequence;

/// <summary>Next-token losses and scores over targets where -100 means "not scored" (PyTorch's ignore_index).</summary>
public static class LmLoss
{
    public const long Ignore = -100;

    /// <summary>Mean cross-entropy of logits [B, T, V] against targets [B, T] over scored positions.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets) =>
        nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), ignore_index: Ignore);

    /// <summary>Summed cross-entropy over scored positions, and their count.</summary>
    public static (Tensor Sum, long Count) Sum(Tensor logits, Tensor targets)
    {
        var flat = targets.reshape(-1);
        var count = flat.ne(Ignore).sum().item<long>();
        var sum = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), flat, ignore_index: Ignore, reduction: nn.Reduction.Sum);
        return (sum, count);
    }

    /// <summary>Mean negative log-likelihood and perplexity exp(nll) of <paramref name="logits"/> over the batches (no grad).</summary>
    public static (double Nll, double Perplexity) Perplexity(Func<Tensor, Tensor> logits, IEnumerable<(Tensor Inputs, Tensor Targets)> batches)
    {
        using var _ = no_grad();
        double sum = 0;
        long count = 0;
        using var e = batches.GetEnumerator();
        while (true)
        {
            // the batch is drawn inside the scope, so the tensors a generator makes are freed with it
            using var scope = NewDisposeScope();
            if (!e.MoveNext()) break;
            var (x, y) = e.Current;
            var (s, c) = Sum(logits(x), y);
            sum += s.item<float>();
            count += c;
        }
        var nll = sum / Math.Max(1, count);
        return (nll, Math.Exp(nll));
    }

    /// <summary>Fraction of scored positions whose argmax is the target (recall answers), over the batches (no grad).</summary>
    public static double Accuracy(Func<Tensor, Tensor> logits, IEnumerable<(Tensor Inputs, Tensor Targets)> batches)
    {
        using var _ = no_grad();
        long correct = 0, total = 0;
        using var e = batches.GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope();
            if (!e.MoveNext()) break;
            var (x, y) = e.Current;
            var pred = logits(x).argmax(-1);
            var scored = y.ne(Ignore);
            correct += pred.eq(y).logical_and(scored).sum().item<long>();
            total += scored.sum().item<long>();
        }
        if (total == 0) throw new ArgumentException("Accuracy: no scored positions (all targets are -100).");
        return (double)correct / total;
    }

    /// <summary>Slices [N, T] inputs and targets into batches of <paramref name="batch"/> rows.</summary>
    public static IEnumerable<(Tensor Inputs, Tensor Targets)> Batches(Tensor inputs, Tensor targets, int batch)
    {
        for (long i = 0; i < inputs.shape[0]; i += batch)
        {
            var n = Math.Min(batch, inputs.shape[0] - i);
            yield return (inputs.narrow(0, i, n), targets.narrow(0, i, n));
        }
    }
}

/// <summary>Linear warm-up then cosine decay, as a factor of the base learning rate (floored, so it never reaches 0).</summary>
public static class WarmupCosine
{
    public static double Factor(int step, int steps, int warmup, double floor = 0.05) =>
        Math.Max(floor, step < warmup ? (step + 1.0) / warmup : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, steps - warmup))));

    /// <summary>Sets every parameter group of <paramref name="optimizer"/> to <paramref name="lr"/> times the factor of <paramref name="step"/>.</summary>
    public static void Apply(optim.Optimizer optimizer, double lr, int step, int steps, int warmup)
    {
        var f = Factor(step, steps, warmup);
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr * f;
    }
}
