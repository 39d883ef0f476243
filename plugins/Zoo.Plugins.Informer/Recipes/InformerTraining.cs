using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>Training settings of the reference experiment (Exp_Informer) plus CPU budget caps.</summary>
public sealed record TrainOptions
{
    public int TrainEpochs { get; init; } = 6;
    public int BatchSize { get; init; } = 32;
    public int Patience { get; init; } = 3;
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>type1: halve after every epoch from the 2nd on; type2: the reference's fixed table.</summary>
    public string Lradj { get; init; } = "type1";
    /// <summary>0: the horizon placeholders of the decoder input are zeros; 1: ones.</summary>
    public int Padding { get; init; }
    public long Seed { get; init; } = 2021;
    /// <summary>Optional cap on training batches per epoch (CPU budgets, the demo); null = every batch.</summary>
    public int? MaxStepsPerEpoch { get; init; }
    /// <summary>Optional cap on validation batches (null = all).</summary>
    public int? MaxEvalBatches { get; init; }
    /// <summary>Optional wall-clock budget (the demo): training ends after the epoch in which it is spent.</summary>
    public TimeSpan? TimeBudget { get; init; }
}

public sealed record Metrics(double Mse, double Mae, int Windows)
{
    public double Rmse => Math.Sqrt(Mse);
}

/// <summary>
/// Training, evaluation and prediction as the reference Exp_Informer does them: Adam on MSE over the horizon (the target
/// column only for MS), validation-based early stopping, learning-rate halving, best checkpoint kept (atomically here),
/// MSE/MAE on the scaled test windows.
/// </summary>
public static class InformerTraining
{
    /// <summary>Learning rate set after finishing <paramref name="finishedEpoch"/> (1-based), as the reference's adjust_learning_rate.</summary>
    public static double LearningRateAfter(string lradj, double lr0, int finishedEpoch, double current) => lradj switch
    {
        "type1" => lr0 * Math.Pow(0.5, finishedEpoch - 1),
        "type2" => finishedEpoch switch
        {
            2 => 5e-5, 4 => 1e-5, 6 => 5e-6, 8 => 1e-6, 10 => 5e-7, 15 => 1e-7, 20 => 5e-8,
            _ => current,
        },
        _ => throw new ArgumentException($"Unknown lradj '{lradj}': use type1 or type2."),
    };

    /// <summary>One forward pass on a batch; returns (prediction, truth) over the horizon and the scored channels.</summary>
    public static (Tensor Pred, Tensor True) ProcessBatch(InformerModel model, ForecastBatch batch, string features, int padding = 0)
    {
        var cfg = model.Config;
        var known = batch.Y[TensorIndex.Colon, TensorIndex.Slice(0, cfg.LabelLen)];
        var placeholder = padding == 0
            ? zeros(batch.Y.shape[0], cfg.OutLen, batch.Y.shape[2], device: batch.Y.device)
            : ones(batch.Y.shape[0], cfg.OutLen, batch.Y.shape[2], device: batch.Y.device);
        var decInp = cat([known, placeholder], 1);
        var pred = model.forward(batch.X, batch.XMark, decInp, batch.YMark);
        var truth = batch.Y[TensorIndex.Colon, TensorIndex.Slice(-cfg.OutLen, null)];
        if (features == "MS") truth = truth[TensorIndex.Ellipsis, TensorIndex.Slice(-1, null)];
        return (pred, truth);
    }

    /// <summary>Mean over batches of the batch MSE (the reference's vali), eval mode, no grad.</summary>
    public static double ValidationLoss(InformerModel model, ForecastSplit split, int batchSize, string features, int padding, Device device,
        int? maxBatches = null)
    {
        model.eval();
        using var _ = no_grad();
        double total = 0;
        int n = 0;
        foreach (var idx in split.Batches(batchSize, shuffle: false))
        {
            if (maxBatches is { } m && n >= m) break;
            using var scope = NewDisposeScope();
            using var batch = split.Batch(idx, device);
            var (pred, truth) = ProcessBatch(model, batch, features, padding);
            total += nn.functional.mse_loss(pred, truth).item<float>();
            n++;
        }
        return n == 0 ? double.NaN : total / n;
    }

    /// <summary>MSE and MAE over every element of every (drop_last) test batch, on the scaled data.</summary>
    public static Metrics Evaluate(InformerModel model, ForecastSplit split, int batchSize, string features, int padding, Device device,
        int? maxBatches = null, int stride = 1)
    {
        model.eval();
        using var _ = no_grad();
        double se = 0, ae = 0;
        long count = 0;
        int windows = 0, b = 0;
        foreach (var idx in split.Batches(batchSize, shuffle: false, stride: stride))
        {
            if (maxBatches is { } m && b++ >= m) break;
            using var scope = NewDisposeScope();
            using var batch = split.Batch(idx, device);
            var (pred, truth) = ProcessBatch(model, batch, features, padding);
            var diff = (pred - truth).to(ScalarType.Float64);
            se += diff.square().sum().item<double>();
            ae += diff.abs().sum().item<double>();
            count += diff.numel();
            windows += idx.Length;
        }
        if (count == 0) throw new InvalidDataException($"{split.Dataset.Table.Path}: the {split.Name} split has " +
            $"fewer than one batch of {batchSize} windows ({split.Count} windows); lower --batch_size.");
        return new Metrics(se / count, ae / count, windows);
    }

    /// <summary>
    /// Trains with Adam/MSE on Zoo.Toolkit's <see cref="TrainingLoop"/> with the reference's semantics: validation every
    /// epoch, early stopping after <c>patience</c> epochs without a lower validation loss, the best model saved to
    /// <paramref name="checkpointDir"/> (atomic) and reloaded at the end (the reference reloads checkpoint.pth before
    /// testing), and the learning rate adjusted after each epoch (lradj type1/type2). Runs on <c>context.Device</c>.
    /// </summary>
    public static TrainingHistory Train(IZooContext context, InformerModel model, ForecastDataset data, TrainOptions options,
        string checkpointDir, Action<EpochRecord, double>? onEpoch = null)
    {
        var device = context.Device;
        var rng = new Random((int)options.Seed);
        var train = data.Split("train");
        var val = data.Split("val");
        if (train.Count < options.BatchSize)
            throw new InvalidDataException(
                $"{data.Table.Path}: the train split has {train.Count} windows, fewer than one batch of {options.BatchSize}; lower --batch_size.");
        using var optimizer = optim.Adam(model.parameters().Where(p => p.requires_grad), options.LearningRate);
        double lr = options.LearningRate;
        var loop = new TrainingOptions
        {
            Epochs = options.TrainEpochs, MaxStepsPerEpoch = options.MaxStepsPerEpoch, Seed = options.Seed, Patience = options.Patience,
            TimeBudget = options.TimeBudget, Name = "train informer",
        };
        var history = TrainingLoop.Run(context, loop, model, optimizer,
            batches: _ => train.Batches(options.BatchSize, shuffle: true, rng),
            loss: idx =>
            {
                var batch = train.Batch(idx, device);   // tensors join the loop's dispose scope
                var (pred, truth) = ProcessBatch(model, batch, data.Features, options.Padding);
                return nn.functional.mse_loss(pred, truth);
            },
            validate: _ => ValidationLoss(model, val, options.BatchSize, data.Features, options.Padding, device, options.MaxEvalBatches),
            saveBest: (_, _) => InformerCheckpoint.Save(checkpointDir, model, data),
            onEpoch: e => onEpoch?.Invoke(e, lr),
            afterEpoch: epoch =>
            {
                lr = LearningRateAfter(options.Lradj, options.LearningRate, epoch, lr);
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            },
            stepsInEpoch: _ => train.Count / options.BatchSize);
        // Back to the best weights (the reference reloads checkpoint.pth before testing).
        if (history.BestEpoch is not null) Checkpoint.LoadWeights(Path.Combine(checkpointDir, Checkpoint.WeightsFile), model);
        return history;
    }
}
