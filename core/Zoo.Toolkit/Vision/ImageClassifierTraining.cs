using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision;

/// <summary>Training settings (AdamW, linear warm-up then cosine decay per step, label smoothing: the DeiT/TNT recipe, sized for CPU runs).</summary>
public sealed record ImageTrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.05;
    public int WarmupEpochs { get; init; } = 1;
    public double LabelSmoothing { get; init; } = 0.1;
    public int Seed { get; init; }
    /// <summary>Random crop (pad 1/8) for training.</summary>
    public bool RandomCrop { get; init; } = true;
    public bool HorizontalFlip { get; init; }
    /// <summary>Cap on optimiser steps in all (null: every batch of every epoch).</summary>
    public int? MaxSteps { get; init; }
    /// <summary>Progress description.</summary>
    public string Name { get; init; } = "train";
}

/// <summary>One epoch's figures.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, double? ValAccuracy, double Seconds, int Images);

/// <summary>Top-1 accuracy, per-class accuracy and the confusion matrix (rows: true class, columns: predicted).</summary>
public sealed record EvalResult(int[,] Confusion, IReadOnlyList<string> ClassNames)
{
    public int Total => Enumerable.Range(0, ClassNames.Count).Sum(i => Enumerable.Range(0, ClassNames.Count).Sum(j => Confusion[i, j]));

    public double Top1 => Total == 0 ? double.NaN : (double)Enumerable.Range(0, ClassNames.Count).Sum(i => Confusion[i, i]) / Total;

    /// <summary>Recall of each class (NaN for a class with no examples).</summary>
    public double[] PerClassAccuracy => Enumerable.Range(0, ClassNames.Count).Select(i =>
    {
        int n = Enumerable.Range(0, ClassNames.Count).Sum(j => Confusion[i, j]);
        return n == 0 ? double.NaN : (double)Confusion[i, i] / n;
    }).ToArray();

    /// <summary>The counts as <see cref="Plots.PlotWriter.ConfusionMatrix"/> takes them.</summary>
    public long[,] Counts
    {
        get
        {
            int k = ClassNames.Count;
            var c = new long[k, k];
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) c[i, j] = Confusion[i, j];
            return c;
        }
    }
}

/// <summary>Supervised training (through <see cref="TrainingLoop"/>), evaluation, prediction and embedding for any <see cref="IImageClassifier"/> module.</summary>
public static class ImageClassifierTraining
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> (validating on <paramref name="val"/> after each epoch when given).</summary>
    public static List<EpochResult> Train(nn.Module<Tensor, Tensor> model, IImageSource train, IImageSource? val, ImageTrainOptions o,
        IZooContext? context = null, Action<EpochResult>? onEpoch = null)
    {
        var ctx = context ?? ZooContext.Default;
        var device = ctx.Device;
        var spec = ((IImageClassifier)model).InputSpec;
        var tf = new ImageTransform(spec) { RandomCrop = o.RandomCrop, CropPadding = o.RandomCrop ? Math.Max(1, spec.Height / 8) : 0, HorizontalFlip = o.HorizontalFlip };
        var shuffle = new Random(o.Seed);
        var augment = new Random(o.Seed + 1);
        using var opt = CreateOptimizer(model, o);
        int stepsPerEpoch = Math.Max(1, (train.Count + o.BatchSize - 1) / o.BatchSize);
        int totalSteps = stepsPerEpoch * o.Epochs, warmup = stepsPerEpoch * Math.Min(o.WarmupEpochs, Math.Max(0, o.Epochs - 1));
        if (o.MaxSteps is int cap) totalSteps = Math.Min(totalSteps, cap);
        int step = 0;
        double lossSum = 0;
        long correct = 0, seen = 0;
        double? valAcc = null;
        var history = new List<EpochResult>();
        var clock = new System.Diagnostics.Stopwatch();
        IEnumerable<ImageBatch> Batches(int epoch)
        {
            clock.Restart();
            lossSum = 0;
            correct = seen = 0;
            foreach (var batch in ImageBatches.Enumerate(train, tf, o.BatchSize, shuffle, augment, device))
                using (batch) yield return batch;
        }
        Tensor Loss(ImageBatch batch)
        {
            // Linear warm-up then cosine decay, per step.
            double lr = step < warmup ? o.LearningRate * (step + 1) / warmup
                : 0.5 * o.LearningRate * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
            foreach (var g in opt.ParamGroups) g.LearningRate = lr;
            var logits = model.forward(batch.Images);
            var loss = SmoothedCrossEntropy(logits, batch.Labels, o.LabelSmoothing);
            long n = batch.Labels.shape[0];
            lossSum += loss.item<float>() * n;
            seen += n;
            correct += logits.argmax(-1).eq(batch.Labels).sum().item<long>();
            step++;
            return loss;
        }
        var loopOptions = new TrainingOptions { Epochs = o.Epochs, Seed = o.Seed, MaxSteps = o.MaxSteps, LowerIsBetter = false, Name = o.Name };
        TrainingLoop.Run(ctx, loopOptions, model, opt, Batches, Loss,
            validate: val is null ? null : _ => (valAcc = Evaluate(model, val, o.BatchSize, device).Top1).Value,
            afterEpoch: epoch =>
            {
                var r = new EpochResult(epoch, seen == 0 ? double.NaN : lossSum / seen, seen == 0 ? double.NaN : (double)correct / seen,
                    valAcc, clock.Elapsed.TotalSeconds, (int)seen);
                history.Add(r);
                onEpoch?.Invoke(r);
            },
            stepsInEpoch: _ => stepsPerEpoch);
        return history;
    }

    /// <summary>AdamW without weight decay on norms, biases and embeddings (timm's no_weight_decay set).</summary>
    public static optim.Optimizer CreateOptimizer(nn.Module model, ImageTrainOptions o)
    {
        var decay = new List<TorchSharp.Modules.Parameter>();
        var noDecay = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, p) in model.named_parameters())
            (p.dim() <= 1 || name.EndsWith("_token", StringComparison.Ordinal) || name.EndsWith("_pos", StringComparison.Ordinal) || name == "pos_embed"
                ? noDecay : decay).Add(p);
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>
        {
            new(decay, new TorchSharp.Modules.AdamW.Options { LearningRate = o.LearningRate, weight_decay = o.WeightDecay }),
            new(noDecay, new TorchSharp.Modules.AdamW.Options { LearningRate = o.LearningRate, weight_decay = 0 }),
        };
        return optim.AdamW(groups, lr: o.LearningRate);
    }

    /// <summary>Cross-entropy with label smoothing: (1 - eps) * NLL(target) + eps * mean over classes of -log p.</summary>
    public static Tensor SmoothedCrossEntropy(Tensor logits, Tensor labels, double eps)
    {
        using var scope = torch.NewDisposeScope();
        var logp = logits.log_softmax(-1);
        var nll = -logp.gather(1, labels.unsqueeze(1)).squeeze(1);
        if (eps <= 0) return nll.mean().MoveToOuterDisposeScope();
        var loss = nll.mul(Scalars.Of(1 - eps)).add(logp.mean([-1]), Scalars.Of(-eps)).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Confusion matrix of <paramref name="model"/> on a labelled source (eval mode, no gradients).</summary>
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null)
    {
        var spec = ((IImageClassifier)model).InputSpec;
        int k = source.ClassNames.Count;
        var confusion = new int[k, k];
        bool wasTraining = model.training;
        model.eval();
        using (torch.no_grad())
            foreach (var batch in ImageBatches.Enumerate(source, ImageTransform.Eval(spec), batchSize, device: device))
            {
                using var _b = batch;
                using var scope = torch.NewDisposeScope();
                var pred = model.forward(batch.Images).argmax(-1).cpu().data<long>().ToArray();
                var truth = batch.Labels.cpu().data<long>().ToArray();
                for (int i = 0; i < pred.Length; i++)
                    if (truth[i] >= 0 && pred[i] < k) confusion[truth[i], pred[i]]++;
            }
        if (wasTraining) model.train();
        return new EvalResult(confusion, source.ClassNames);
    }

    /// <summary>Softmax probabilities [N, K] (rows in source order, unreadable items left out) and the source indices of the rows.</summary>
    public static (float[][] Probabilities, int[] Indices) Predict(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null) =>
        Rows(model, source, ((IImageClassifier)model).InputSpec, batchSize, device, x => model.forward(x).softmax(-1));

    /// <summary>One feature vector per image (<see cref="IImageEncoder.Encode"/>) and the source indices of the rows.</summary>
    public static (float[][] Features, int[] Indices) Embed(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null)
    {
        var encoder = (IImageEncoder)model;
        return Rows(model, source, encoder.InputSpec, batchSize, device, encoder.Encode);
    }

    private static (float[][], int[]) Rows(nn.Module model, IImageSource source, ImageInputSpec spec, int batchSize, Device? device, Func<Tensor, Tensor> f)
    {
        var rows = new List<float[]>();
        var idx = new List<int>();
        model.eval();
        using var _ = torch.no_grad();
        foreach (var batch in ImageBatches.Enumerate(source, ImageTransform.Eval(spec), batchSize, device: device))
        {
            using var _b = batch;
            using var scope = torch.NewDisposeScope();
            var y = f(batch.Images).cpu();
            int d = (int)y.shape[1];
            var flat = y.data<float>().ToArray();
            for (int i = 0; i < batch.Indices.Length; i++) rows.Add(flat.AsSpan(i * d, d).ToArray());
            idx.AddRange(batch.Indices);
        }
        return (rows.ToArray(), idx.ToArray());
    }
}
