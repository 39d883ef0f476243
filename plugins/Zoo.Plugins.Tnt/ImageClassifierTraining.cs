using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.Tnt.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>Training settings (the paper trains with AdamW and a cosine schedule, Sec. 4.1; sizes here are for small CPU runs).</summary>
public sealed record TrainOptions
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
}

/// <summary>Supervised training, evaluation and prediction for any <see cref="IImageClassifier"/> module.</summary>
public static class ImageClassifierTraining
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> (validating on <paramref name="val"/> after each epoch when given).</summary>
    public static List<EpochResult> Train(nn.Module<Tensor, Tensor> model, IImageSource train, IImageSource? val, TrainOptions o,
        Action<EpochResult>? onEpoch = null, Action<int, int, double>? onStep = null, Device? device = null, CancellationToken cancel = default)
    {
        var classifier = (IImageClassifier)model;
        var spec = classifier.InputSpec;
        var tf = new ImageTransform(spec) { RandomCrop = o.RandomCrop, CropPadding = o.RandomCrop ? Math.Max(1, spec.Height / 8) : 0, HorizontalFlip = o.HorizontalFlip };
        torch.manual_seed(o.Seed);
        var shuffle = new Random(o.Seed);
        var augment = new Random(o.Seed + 1);
        // No weight decay on norms, biases and embeddings (timm's no_weight_decay set).
        var decay = new List<TorchSharp.Modules.Parameter>();
        var noDecay = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, p) in model.named_parameters())
            (p.dim() <= 1 || name.EndsWith("_token", StringComparison.Ordinal) || name.EndsWith("_pos", StringComparison.Ordinal) || name == "pos_embed" ? noDecay : decay).Add(p);
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>
        {
            new(decay, new TorchSharp.Modules.AdamW.Options { LearningRate = o.LearningRate, weight_decay = o.WeightDecay }),
            new(noDecay, new TorchSharp.Modules.AdamW.Options { LearningRate = o.LearningRate, weight_decay = 0 }),
        };
        using var opt = torch.optim.AdamW(groups, lr: o.LearningRate);
        int stepsPerEpoch = Math.Max(1, (train.Count + o.BatchSize - 1) / o.BatchSize);
        int totalSteps = stepsPerEpoch * o.Epochs, warmup = stepsPerEpoch * Math.Min(o.WarmupEpochs, Math.Max(0, o.Epochs - 1));
        int step = 0;
        var history = new List<EpochResult>();
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            model.train();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            foreach (var batch in ImageBatches.Enumerate(train, tf, o.BatchSize, shuffle, augment, device))
            {
                cancel.ThrowIfCancellationRequested();
                using var _b = batch;
                using var scope = torch.NewDisposeScope();
                // Linear warm-up then cosine decay, per step.
                double lr = step < warmup ? o.LearningRate * (step + 1) / warmup
                    : 0.5 * o.LearningRate * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, totalSteps - warmup)));
                foreach (var g in opt.ParamGroups) g.LearningRate = lr;
                opt.zero_grad();
                var logits = model.forward(batch.Images);
                var loss = SmoothedCrossEntropy(logits, batch.Labels, o.LabelSmoothing);
                loss.backward();
                opt.step();
                double l = loss.item<float>();
                if (!double.IsFinite(l)) throw new InvalidOperationException($"Training diverged at epoch {epoch}, step {step}: loss is {l}. Lower the learning rate.");
                long n = batch.Labels.shape[0];
                lossSum += l * n;
                seen += n;
                correct += logits.argmax(-1).eq(batch.Labels).sum().item<long>();
                step++;
                onStep?.Invoke(step, totalSteps, l);
            }
            double? valAcc = val is null ? null : Evaluate(model, val, o.BatchSize, device).Top1;
            var r = new EpochResult(epoch, seen == 0 ? double.NaN : lossSum / seen, seen == 0 ? double.NaN : (double)correct / seen, valAcc, sw.Elapsed.TotalSeconds, (int)seen);
            history.Add(r);
            onEpoch?.Invoke(r);
        }
        model.eval();
        return history;
    }

    /// <summary>Cross-entropy with label smoothing: (1 - eps) * NLL(target) + eps * mean over classes of -log p.</summary>
    public static Tensor SmoothedCrossEntropy(Tensor logits, Tensor labels, double eps)
    {
        using var scope = torch.NewDisposeScope();
        var logp = logits.log_softmax(-1);
        var nll = -logp.gather(1, labels.unsqueeze(1)).squeeze(1);
        if (eps <= 0) return nll.mean().MoveToOuterDisposeScope();
        using var keep = (1 - eps).ToScalar();
        using var spread = (-eps).ToScalar();
        var loss = nll.mul(keep).add(logp.mean([-1]), spread).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Confusion matrix of <paramref name="model"/> on a labelled source (eval mode, no gradients).</summary>
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null)
    {
        var spec = ((IImageClassifier)model).InputSpec;
        int k = source.ClassNames.Count;
        var confusion = new int[k, k];
        model.eval();
        using var _ = torch.no_grad();
        foreach (var batch in ImageBatches.Enumerate(source, ImageTransform.Eval(spec), batchSize, device: device))
        {
            using var _b = batch;
            using var scope = torch.NewDisposeScope();
            var pred = model.forward(batch.Images).argmax(-1).cpu().data<long>().ToArray();
            var truth = batch.Labels.cpu().data<long>().ToArray();
            for (int i = 0; i < pred.Length; i++)
                if (truth[i] >= 0 && pred[i] < k) confusion[truth[i], pred[i]]++;
        }
        return new EvalResult(confusion, source.ClassNames);
    }

    /// <summary>Softmax probabilities [N, K] (rows in source order, unreadable items left out) and the source indices of the rows.</summary>
    public static (float[][] Probabilities, int[] Indices) Predict(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null)
    {
        var spec = ((IImageClassifier)model).InputSpec;
        var probs = new List<float[]>();
        var idx = new List<int>();
        model.eval();
        using var _ = torch.no_grad();
        foreach (var batch in ImageBatches.Enumerate(source, ImageTransform.Eval(spec), batchSize, device: device))
        {
            using var _b = batch;
            using var scope = torch.NewDisposeScope();
            var p = model.forward(batch.Images).softmax(-1).cpu();
            int k = (int)p.shape[1];
            var flat = p.data<float>().ToArray();
            for (int i = 0; i < batch.Indices.Length; i++) probs.Add(flat.AsSpan(i * k, k).ToArray());
            idx.AddRange(batch.Indices);
        }
        return (probs.ToArray(), idx.ToArray());
    }

    /// <summary>One feature vector per image (<see cref="IImageEncoder.Encode"/>) and the source indices of the rows.</summary>
    public static (float[][] Features, int[] Indices) Embed(nn.Module<Tensor, Tensor> model, IImageSource source, int batchSize = 128, Device? device = null)
    {
        var encoder = (IImageEncoder)model;
        var feats = new List<float[]>();
        var idx = new List<int>();
        model.eval();
        using var _ = torch.no_grad();
        foreach (var batch in ImageBatches.Enumerate(source, ImageTransform.Eval(encoder.InputSpec), batchSize, device: device))
        {
            using var _b = batch;
            using var scope = torch.NewDisposeScope();
            var f = encoder.Encode(batch.Images).cpu();
            int d = (int)f.shape[1];
            var flat = f.data<float>().ToArray();
            for (int i = 0; i < batch.Indices.Length; i++) feats.Add(flat.AsSpan(i * d, d).ToArray());
            idx.AddRange(batch.Indices);
        }
        return (feats.ToArray(), idx.ToArray());
    }
}
