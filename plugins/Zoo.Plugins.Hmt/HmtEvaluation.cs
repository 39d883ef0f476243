using Zoo.Core;
using Zoo.Toolkit.Sequence;
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
    public static (double Nll, double Perplexity) Perplexity(Func<Tensor, Tensor> logits, Tensor inputs, Tensor targets, int batch = 16) =>
        LmLoss.Perplexity(logits, LmLoss.Batches(inputs, targets, batch));

    /// <summary>Accuracy of the argmax at the scored positions (recall answers).</summary>
    public static double Accuracy(Func<Tensor, Tensor> logits, Tensor inputs, Tensor targets, int batch = 32) =>
        LmLoss.Accuracy(logits, LmLoss.Batches(inputs, targets, batch));
}
