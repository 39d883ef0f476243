using System.Diagnostics;
using TorchSharp;
using Zoo.Plugins.ViViT.Data;
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

/// <summary>Accuracy and confusion matrix of a data set.</summary>
public sealed record VideoEvalResult(double Top1, int Correct, int Total, long[,] Confusion, double[] PerClass);

/// <summary>The training loop: only the parameters that require gradients are optimised (the adapter, temporal transformer and
/// head when the spatial encoder is frozen; everything for full fine-tuning).</summary>
public static class ViViTTraining
{
    public static List<VideoEpoch> Train(FactorisedEncoderViViT model, VideoDataset train, VideoDataset? val, VideoTrainOptions o,
        Action<VideoEpoch>? onEpoch = null, Device? device = null, CancellationToken cancel = default)
    {
        device ??= CPU;
        model.to(device);
        var ps = model.TrainableParameters().ToList();
        if (ps.Count == 0) throw new InvalidOperationException("The model has no trainable parameters.");
        using var opt = torch.optim.AdamW(ps, lr: o.LearningRate, weight_decay: o.WeightDecay);
        int stepsPerEpoch = (train.Count + o.BatchSize - 1) / o.BatchSize;
        int total = Math.Min(o.MaxSteps ?? int.MaxValue, stepsPerEpoch * o.Epochs);
        var rng = new Random(o.Seed);
        var history = new List<VideoEpoch>();
        int step = 0;
        for (int epoch = 1; epoch <= o.Epochs && step < total; epoch++)
        {
            model.train();
            var sw = Stopwatch.StartNew();
            double lossSum = 0;
            int correct = 0, seen = 0, epochSteps = 0;
            foreach (var idx in train.Batches(o.BatchSize, rng))
            {
                if (step >= total) break;
                cancel.ThrowIfCancellationRequested();
                SetLr(opt, o, step, total);
                using var scope = torch.NewDisposeScope();
                var (x, y) = train.Batch(idx, device);
                opt.zero_grad();
                var logits = model.forward(x);
                var loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                opt.step();
                lossSum += loss.item<float>() * idx.Length;
                correct += (int)logits.argmax(1).eq(y).sum().item<long>();
                seen += idx.Length;
                step++;
                epochSteps++;
            }
            double? valAcc = val is null ? null : Evaluate(model, val, o.BatchSize * 2, device).Top1;
            var e = new VideoEpoch(epoch, step, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), valAcc, sw.Elapsed.TotalSeconds);
            history.Add(e);
            onEpoch?.Invoke(e);
        }
        model.eval();
        return history;
    }

    private static void SetLr(torch.optim.Optimizer opt, VideoTrainOptions o, int step, int total)
    {
        double lr = step < o.WarmupSteps
            ? o.LearningRate * (step + 1) / o.WarmupSteps
            : o.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - o.WarmupSteps) / Math.Max(1, total - o.WarmupSteps)));
        foreach (var g in opt.ParamGroups) g.LearningRate = lr;
    }

    /// <summary>Top-1 accuracy, confusion matrix [true, predicted] and per-class recall, under no_grad in eval mode.</summary>
    public static VideoEvalResult Evaluate(FactorisedEncoderViViT model, VideoDataset data, int batchSize = 32, Device? device = null)
    {
        device ??= CPU;
        bool was = model.training;
        model.eval();
        int k = model.NumClasses;
        var conf = new long[k, k];
        int correct = 0;
        using (torch.no_grad())
        {
            foreach (var idx in data.Batches(batchSize))
            {
                using var scope = torch.NewDisposeScope();
                var (x, y) = data.Batch(idx, device);
                var pred = model.forward(x).argmax(1).cpu().data<long>().ToArray();
                for (int j = 0; j < idx.Length; j++)
                {
                    int t = data.Label(idx[j]);
                    conf[t, pred[j]]++;
                    if (t == pred[j]) correct++;
                }
            }
        }
        if (was) model.train();
        var per = new double[k];
        for (int c = 0; c < k; c++)
        {
            long n = 0;
            for (int p = 0; p < k; p++) n += conf[c, p];
            per[c] = n == 0 ? double.NaN : (double)conf[c, c] / n;
        }
        return new VideoEvalResult(data.Count == 0 ? double.NaN : (double)correct / data.Count, correct, data.Count, conf, per);
    }
}
