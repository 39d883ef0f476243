using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.ViViT.Data;
using Zoo.Toolkit.Training;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>Training settings (AdamW with linear warm-up then cosine decay, as ViViT fine-tuning uses a cosine schedule).</summary>
public sealed record VideoTrainOptions
{
    public int Epochs { get; init; } = 10;

    /// <summary>Stop after this many optimiser steps (null: all epochs).</summary>
    public int? MaxSteps { get; init; }

    public int BatchSize { get; init; } = 16;

    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; } = 0.05;

    public int WarmupSteps { get; init; } = 10;

    public int Seed { get; init; }
}

/// <summary>One epoch's figures.</summary>
public sealed record VideoEpoch(int Epoch, int Steps, double TrainLoss, double TrainAccuracy, double? ValAccuracy, double Seconds);

/// <summary>
/// Trains ViViT with the toolkit's <see cref="TrainingLoop"/>: only the parameters that require gradients are optimised
/// (the adapter, temporal transformer and head when the spatial encoder is frozen; everything for full fine-tuning).
/// </summary>
public static class VideoTraining
{
    public static List<VideoEpoch> Train(FactorisedEncoderViViT model, VideoDataset train, VideoDataset? val, VideoTrainOptions o,
        IZooContext? context = null, Action<VideoEpoch>? onEpoch = null)
    {
        context ??= ZooContext.Default;
        var device = context.Device;
        model.to(device);
        var ps = model.TrainableParameters().ToList();
        if (ps.Count == 0) throw new InvalidOperationException("The model has no trainable parameters.");
        using var opt = torch.optim.AdamW(ps, lr: o.LearningRate, weight_decay: o.WeightDecay);
        int stepsPerEpoch = (train.Count + o.BatchSize - 1) / o.BatchSize;
        long planned = (long)stepsPerEpoch * o.Epochs;
        int total = (int)Math.Min(o.MaxSteps ?? int.MaxValue, planned);
        int epochs = (int)Math.Min(o.Epochs, (total + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch));
        var rng = new Random(o.Seed);
        var history = new List<VideoEpoch>();
        int step = 0, correct = 0, seen = 0;
        double lossSum = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // The learning rate is set as each batch is handed to the loop, i.e. just before that batch's optimiser step.
        IEnumerable<int[]> Batches(int epoch)
        {
            foreach (var idx in train.Batches(o.BatchSize, rng))
            {
                if (step >= total) yield break;
                SetLr(opt, o, step++, total);
                yield return idx;
            }
        }
        Tensor Loss(int[] idx)
        {
            var (x, y) = train.Batch(idx, device);   // inside the loop's dispose scope
            var logits = model.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            lossSum += loss.item<float>() * idx.Length;
            correct += (int)logits.argmax(1).eq(y).sum().item<long>();
            seen += idx.Length;
            return loss;
        }
        double? lastVal = null;
        var options = new TrainingOptions { Epochs = epochs, MaxSteps = total, Name = "train vivit", LowerIsBetter = false };
        TrainingLoop.Run(context, options, model, opt, Batches, Loss,
            validate: val is null ? null : _ => (lastVal = Evaluate(model, val, o.BatchSize * 2, device).Top1).Value,
            afterEpoch: epoch =>
            {
                var e = new VideoEpoch(epoch, step, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), lastVal, watch.Elapsed.TotalSeconds);
                history.Add(e);
                onEpoch?.Invoke(e);
                (lossSum, correct, seen, lastVal) = (0, 0, 0, null);
                watch.Restart();
            },
            stepsInEpoch: _ => stepsPerEpoch);
        return history;
    }

    private static void SetLr(torch.optim.Optimizer opt, VideoTrainOptions o, int step, int total)
    {
        double lr = step < o.WarmupSteps
            ? o.LearningRate * (step + 1) / o.WarmupSteps
            : o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - o.WarmupSteps) / Math.Max(1, total - o.WarmupSteps)));
        foreach (var g in opt.ParamGroups) g.LearningRate = lr;
    }

    /// <summary>Confusion matrix [true, predicted] (the toolkit's <see cref="EvalResult"/>: top-1, per-class recall), under no_grad in eval mode.</summary>
    public static EvalResult Evaluate(FactorisedEncoderViViT model, VideoDataset data, int batchSize = 32, Device? device = null)
    {
        device ??= CPU;
        bool was = model.training;
        model.eval();
        int k = model.NumClasses;
        var conf = new int[k, k];
        using (torch.no_grad())
        {
            foreach (var idx in data.Batches(batchSize))
            {
                using var scope = torch.NewDisposeScope();
                var (x, _) = data.Batch(idx, device);
                var pred = model.forward(x).argmax(1).cpu().data<long>().ToArray();
                for (int j = 0; j < idx.Length; j++) conf[data.Label(idx[j]), pred[j]]++;
            }
        }
        if (was) model.train();
        var names = data.ClassNames.Count == k ? data.ClassNames : Enumerable.Range(0, k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new EvalResult(conf, names);
    }
}
