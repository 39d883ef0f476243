using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>Mini-batch loops, accuracy and masks shared by the learners and unlearners.</summary>
public static class Training
{
    /// <summary>Logits of classes outside <paramref name="classes"/> set to -inf (task-incremental evaluation; Mammoth mask_classes).</summary>
    public static Tensor MaskToClasses(Tensor logits, IEnumerable<int> classes)
    {
        using var scope = torch.NewDisposeScope();
        var keep = torch.zeros(logits.shape[^1], dtype: ScalarType.Bool, device: logits.device);
        foreach (var c in classes) keep[c] = true;
        return logits.masked_fill(keep.logical_not(), float.NegativeInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Shuffled mini-batch index lists (seeded).</summary>
    public static IEnumerable<long[]> Batches(long count, int batchSize, Random rng, bool shuffle = true)
    {
        var idx = Enumerable.Range(0, (int)count).Select(i => (long)i).ToArray();
        if (shuffle) rng.Shuffle(idx);
        for (int s = 0; s < idx.Length; s += batchSize)
            yield return idx.AsSpan(s, Math.Min(batchSize, idx.Length - s)).ToArray();
    }

    /// <summary>Rows <paramref name="idx"/> of a labelled split, on <paramref name="device"/>.</summary>
    public static (Tensor X, Tensor Y) Take(LabeledData data, long[] idx, Device device)
    {
        using var i = torch.tensor(idx, device: data.Inputs.device);
        return (data.Inputs.index_select(0, i).to(device), data.Labels.index_select(0, i).to(device));
    }

    /// <summary>
    /// Trains <paramref name="parameters"/> with Adam for <paramref name="epochs"/> over <paramref name="data"/>; <paramref name="loss"/>
    /// maps a batch (x, y) to the scalar loss. Each step runs in its own dispose scope. Returns the mean loss of the last epoch.
    /// Not Zoo.Toolkit's TrainingLoop: the learners train parameter subsets of a classifier that is not one Module
    /// (prompts, adapters, LoRA factors beside a frozen backbone), and LoRA by re-parametrisation needs a hook between
    /// backward and step (<paramref name="afterBackward"/>) and one before each forward (<paramref name="beforeStep"/>).
    /// </summary>
    public static double Fit(LabeledData data, IReadOnlyList<Parameter> parameters, Func<Tensor, Tensor, Tensor> loss, int epochs, int batchSize,
        double lr, Random rng, Device device, IProgress<TrainingProgress>? progress = null, string stage = "train", Action? afterBackward = null,
        Action? beforeStep = null, double weightDecay = 0)
    {
        if (parameters.Count == 0) throw new InvalidOperationException($"{stage}: nothing to train (no parameters).");
        if (data.Count == 0) throw new InvalidOperationException($"{stage}: no training samples.");
        using var opt = torch.optim.Adam(parameters, lr, weight_decay: weightDecay);
        double last = double.NaN;
        for (int e = 0; e < epochs; e++)
        {
            double sum = 0;
            int n = 0;
            foreach (var b in Batches(data.Count, batchSize, rng))
            {
                using var scope = torch.NewDisposeScope();
                beforeStep?.Invoke();
                var (x, y) = Take(data, b, device);
                opt.zero_grad();
                var l = loss(x, y);
                l.backward();
                afterBackward?.Invoke();
                opt.step();
                sum += l.item<float>();
                n++;
            }
            last = sum / Math.Max(1, n);
            if (double.IsNaN(last)) throw new InvalidOperationException($"{stage}: the loss became NaN in epoch {e + 1}.");
            progress?.Report(new TrainingProgress(stage, e + 1, epochs, last));
        }
        return last;
    }

    /// <summary>
    /// The rows of <paramref name="data"/> in order, <paramref name="batchSize"/> at a time, on <paramref name="device"/>. Each batch
    /// lives in its own dispose scope, which ends when the loop moves on: tensors made in the loop body go with it.
    /// </summary>
    public static IEnumerable<(Tensor X, Tensor Y)> InOrder(LabeledData data, int batchSize, Device device)
    {
        for (long s = 0; s < data.Count; s += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            long n = Math.Min(batchSize, data.Count - s);
            yield return (data.Inputs.narrow(0, s, n).to(device), data.Labels.narrow(0, s, n).to(device));
        }
    }

    /// <summary>Top-1 accuracy of <paramref name="predict"/> (logits) on <paramref name="data"/>, in eval mode batches.</summary>
    public static double Accuracy(Func<Tensor, Tensor> predict, LabeledData data, Device device, int batchSize = 256)
    {
        if (data.Count == 0) return double.NaN;
        using var _ = torch.no_grad();
        long correct = 0;
        foreach (var (x, y) in InOrder(data, batchSize, device)) correct += predict(x).argmax(1).eq(y).sum().item<long>();
        return (double)correct / data.Count;
    }

    /// <summary>Concatenates labelled splits (copies).</summary>
    public static LabeledData Concat(IReadOnlyList<LabeledData> parts) =>
        new(torch.cat(parts.Select(p => p.Inputs).ToArray(), 0), torch.cat(parts.Select(p => p.Labels).ToArray(), 0));
}

/// <summary>A labelled split this code made (a concatenation, a shuffle) and disposes.</summary>
public sealed class DisposableData(LabeledData data) : IDisposable
{
    public LabeledData Data { get; } = data;

    public void Dispose()
    {
        Data.Inputs.Dispose();
        Data.Labels.Dispose();
    }
}
