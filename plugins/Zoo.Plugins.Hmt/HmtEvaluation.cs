using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>Evaluation of HMT against its backbone alone with the same window (truncated context).</summary>
public static class HmtEvaluation
{
    /// <summary>
    /// Backbone alone, window L: each text block of the sequence is read with the (L - block) tokens before it as context
    /// (the same token budget HMT spends on 2 memory slots and k sensory tokens). Returns logits [B, T, V].
    /// </summary>
    public static Tensor TruncatedBackboneLogits(ISequenceModel backbone, Tensor tokens, int window, int block)
    {
        if (block > window) throw new ArgumentException($"Text block {block} exceeds the window {window}.");
        var outs = new List<Tensor>();
        foreach (var (start, len) in Segmentation.Bounds(tokens.shape[1], block))
        {
            var ctx = Math.Max(0, start - (window - block));
            var logits = MultiStageTraining.BackboneLogits(backbone, tokens.narrow(1, ctx, start + len - ctx));
            outs.Add(logits.narrow(1, logits.shape[1] - len, len));
        }
        return cat(outs, 1);
    }

    /// <summary>Mean cross-entropy and perplexity over scored tokens, in batches; <paramref name="logits"/> maps inputs to [B, T, V].</summary>
    public static (double Nll, double Perplexity) Perplexity(Func<Tensor, Tensor> logits, Tensor inputs, Tensor targets, int batch = 16)
    {
        using var _ = no_grad();
        double sum = 0;
        long count = 0;
        for (long i = 0; i < inputs.shape[0]; i += batch)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(batch, inputs.shape[0] - i);
            var (s, c) = MultiStageTraining.LossSum(logits(inputs.narrow(0, i, n)), targets.narrow(0, i, n));
            sum += s.item<float>();
            count += c;
        }
        var nll = sum / Math.Max(1, count);
        return (nll, Math.Exp(nll));
    }

    /// <summary>Accuracy of the argmax at the scored positions (recall answers).</summary>
    public static double Accuracy(Func<Tensor, Tensor> logits, Tensor inputs, Tensor targets, int batch = 32)
    {
        using var _ = no_grad();
        long correct = 0, total = 0;
        for (long i = 0; i < inputs.shape[0]; i += batch)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(batch, inputs.shape[0] - i);
            var y = targets.narrow(0, i, n);
            var pred = logits(inputs.narrow(0, i, n)).argmax(-1);
            var mask = y.ne(-100);
            correct += pred.eq(y).logical_and(mask).sum().item<long>();
            total += mask.sum().item<long>();
        }
        if (total == 0) throw new ArgumentException("Accuracy: no scored positions (all targets are -100).");
        return (double)correct / total;
    }
}
