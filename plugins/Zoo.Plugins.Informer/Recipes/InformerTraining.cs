using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
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
}

public sealed record EpochResult(int Epoch, double TrainLoss, double ValLoss, double LearningRate, double Seconds, bool Improved, int Steps);

public sealed record TrainResult(IReadOnlyList<EpochResult> Epochs, int BestEpoch, double BestValLoss, bool EarlyStopped);

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
    public static double ValidationLoss(InformerModel model, ForecastSplit split, int batchSize, string features, int padding, Device device, int? maxBatches = null)
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
    public static Metrics Evaluate(InformerModel model, ForecastSplit split, int batchSize, string features, int padding, Device device, int? maxBatches = null, int stride = 1)
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
        if (count == 0) throw new InvalidDataException($"{split.Dataset.Table.Path}: the {split.Name} split has fewer than one batch of {batchSize} windows ({split.Count} windows); lower --batch_size.");
        return new Metrics(se / count, ae / count, windows);
    }

    /// <summary>
    /// Trains with Adam/MSE, validates every epoch, keeps the best model in <paramref name="checkpointDir"/> (Checkpoint.Save,
    /// atomic) and reloads it into <paramref name="model"/> at the end. <paramref name="stopWhen"/> ends training early (time budgets).
    /// </summary>
    public static TrainResult Train(InformerModel model, ForecastDataset data, TrainOptions options, string checkpointDir, Device device,
        Func<InformerModel, JsonObject> checkpointExtra, Action<EpochResult>? onEpoch = null, Action<int, int, double>? onStep = null,
        Func<bool>? stopWhen = null)
    {
        torch.manual_seed(options.Seed);
        var rng = new Random((int)options.Seed);
        var train = data.Split("train");
        var val = data.Split("val");
        if (train.Count < options.BatchSize)
            throw new InvalidDataException($"{data.Table.Path}: the train split has {train.Count} windows, fewer than one batch of {options.BatchSize}; lower --batch_size.");
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.Adam(parameters, options.LearningRate);
        double lr = options.LearningRate;
        var epochs = new List<EpochResult>();
        double best = double.PositiveInfinity;
        int bestEpoch = 0, bad = 0;
        bool stopped = false;
        var factory = new InformerFactory();
        int stepsPerEpoch = train.Count / options.BatchSize;
        if (options.MaxStepsPerEpoch is { } cap) stepsPerEpoch = Math.Min(stepsPerEpoch, cap);

        for (int epoch = 1; epoch <= options.TrainEpochs; epoch++)
        {
            var sw = Stopwatch.StartNew();
            model.train();
            double sum = 0;
            int steps = 0;
            foreach (var idx in train.Batches(options.BatchSize, shuffle: true, rng))
            {
                if (steps >= stepsPerEpoch || (steps > 0 && stopWhen?.Invoke() == true)) break;
                using var scope = NewDisposeScope();
                using var batch = train.Batch(idx, device);
                optimizer.zero_grad();
                var (pred, truth) = ProcessBatch(model, batch, data.Features, options.Padding);
                var loss = nn.functional.mse_loss(pred, truth);
                loss.backward();
                optimizer.step();
                var l = loss.item<float>();
                if (!float.IsFinite(l)) throw new InvalidOperationException($"Training diverged at epoch {epoch}, step {steps + 1} (loss {l}); lower --learning_rate.");
                sum += l;
                steps++;
                onStep?.Invoke(epoch, steps, l);
            }
            var valLoss = ValidationLoss(model, val, options.BatchSize, data.Features, options.Padding, device, options.MaxEvalBatches);
            bool improved = valLoss < best;   // EarlyStopping with delta 0
            if (improved)
            {
                best = valLoss;
                bestEpoch = epoch;
                bad = 0;
                Checkpoint.Save(checkpointDir, InformerFactory.Name, InformerFactory.Version, factory, model.Config, model, checkpointExtra(model));
            }
            else bad++;
            var result = new EpochResult(epoch, sum / Math.Max(steps, 1), valLoss, lr, sw.Elapsed.TotalSeconds, improved, steps);
            epochs.Add(result);
            onEpoch?.Invoke(result);
            if (bad >= options.Patience) { stopped = true; break; }
            if (stopWhen?.Invoke() == true) break;
            lr = LearningRateAfter(options.Lradj, options.LearningRate, epoch, lr);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
        }
        // Back to the best weights (the reference reloads checkpoint.pth before testing).
        if (bestEpoch > 0) Checkpoint.LoadWeights(Path.Combine(checkpointDir, Checkpoint.WeightsFile), model);
        return new TrainResult(epochs, bestEpoch, best, stopped);
    }
}
