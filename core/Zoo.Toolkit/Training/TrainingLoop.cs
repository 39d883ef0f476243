using System.Diagnostics;
using System.Globalization;
using Zoo.Core;
using Zoo.Toolkit.Plots;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Training;

/// <summary>How long and how carefully to train.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 1;

    /// <summary>Cap on optimiser steps per epoch (CPU budgets); null: every batch.</summary>
    public int? MaxStepsPerEpoch { get; init; }

    /// <summary>Cap on optimiser steps in all; null: no cap.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Seeds torch before the first step (data order is the caller's, seeded by the same value).</summary>
    public long? Seed { get; init; }

    /// <summary>Stop after this many epochs without a better validation score (0: never stop early).</summary>
    public int Patience { get; init; }

    /// <summary>Validation scores: lower is better (loss, MSE) unless false (accuracy).</summary>
    public bool LowerIsBetter { get; init; } = true;

    /// <summary>Clip the gradient norm to this (null: no clipping).</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Wall-clock budget (demos): no new step starts once it is spent (each epoch takes at least one), and training ends after that epoch.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Progress description prefix ("train informer").</summary>
    public string Name { get; init; } = "train";
}

/// <summary>One epoch of a run.</summary>
public sealed record EpochRecord(int Epoch, int Steps, double TrainLoss, double? Validation, double Seconds, bool Best);

/// <summary>What a run did: per-epoch losses and validation scores, the best epoch, whether it stopped early.</summary>
public sealed record TrainingHistory(IReadOnlyList<EpochRecord> Epochs, IReadOnlyList<double> StepLosses, int? BestEpoch, bool StoppedEarly)
{
    public double? BestValidation => BestEpoch is int b ? Epochs.First(e => e.Epoch == b).Validation : null;

    public int TotalSteps => Epochs.Sum(e => e.Steps);

    /// <summary>Writes the per-epoch table as CSV (atomic).</summary>
    public void WriteCsv(string path)
    {
        var lines = new List<string> { "epoch,steps,train_loss,validation,seconds,best" };
        lines.AddRange(Epochs.Select(e => string.Join(",", e.Epoch, e.Steps, e.TrainLoss.ToString("R", CultureInfo.InvariantCulture),
            e.Validation?.ToString("R", CultureInfo.InvariantCulture) ?? "", e.Seconds.ToString("F3", CultureInfo.InvariantCulture), e.Best ? "1" : "0")));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        Zoo.Core.Checkpoints.AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    /// <summary>The loss curve as a PNG: train loss per step (or per epoch) and the validation score per epoch.</summary>
    public void Plot(string path, string title, string lossName = "loss", string validationName = "validation")
    {
        var series = new List<Series>();
        if (StepLosses.Count > Epochs.Count && Epochs.Count > 0)
        {
            // Steps on the x axis in epochs, so the per-epoch validation points line up.
            double perEpoch = Math.Max(1, StepLosses.Count / (double)Epochs.Count);
            series.Add(new Series("train " + lossName + " (per step)", StepLosses.Select((_, i) => (i + 1) / perEpoch).ToArray(), StepLosses));
        }
        series.Add(new Series("train " + lossName + " (epoch mean)", Epochs.Select(e => (double)e.Epoch).ToArray(), Epochs.Select(e => e.TrainLoss).ToArray()));
        if (Epochs.Any(e => e.Validation.HasValue))
            series.Add(new Series(validationName, Epochs.Where(e => e.Validation.HasValue).Select(e => (double)e.Epoch).ToArray(),
                Epochs.Where(e => e.Validation.HasValue).Select(e => e.Validation!.Value).ToArray()));
        PlotWriter.Lines(path, title, "epoch", lossName, series);
    }
}

/// <summary>
/// The one training loop: epochs of batches, each step in a dispose scope (forward, loss, backward, optional
/// clipping, optimiser step), progress per step, validation after each epoch with early stopping and a
/// best-checkpoint callback, and seeds. Models and data stay the caller's: it passes a batch source and a loss.
/// </summary>
public static class TrainingLoop
{
    public static TrainingHistory Run<TBatch>(
        IZooContext context,
        TrainingOptions options,
        nn.Module model,
        optim.Optimizer optimizer,
        Func<int, IEnumerable<TBatch>> batches,
        Func<TBatch, Tensor> loss,
        Func<int, double>? validate = null,
        Action<int, TrainingHistory>? saveBest = null,
        Action<int>? afterEpoch = null,
        Func<int, int>? stepsInEpoch = null,
        Action<EpochRecord>? onEpoch = null)
    {
        var budget = Stopwatch.StartNew();
        bool OverBudget() => options.TimeBudget is TimeSpan tb && budget.Elapsed > tb;
        if (options.Epochs < 1) throw new ArgumentException("Training needs at least one epoch.");
        if (options.Seed is long seed) manual_seed(seed);
        var epochs = new List<EpochRecord>();
        var stepLosses = new List<double>();
        double? best = null;
        int? bestEpoch = null;
        int sinceBest = 0, totalSteps = 0;
        bool stoppedEarly = false;
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            int planned = stepsInEpoch?.Invoke(epoch) ?? 0;
            if (options.MaxStepsPerEpoch is int cap && planned > 0) planned = Math.Min(planned, cap);
            using var task = context.Progress.Start($"{options.Name} epoch {epoch}/{options.Epochs}", planned);
            model.train();
            double sum = 0;
            int steps = 0;
            foreach (var batch in batches(epoch))
            {
                if (options.MaxStepsPerEpoch is int m && steps >= m) break;
                if (options.MaxSteps is int total && totalSteps >= total) break;
                if (steps > 0 && OverBudget()) break;
                context.Cancellation.ThrowIfCancellationRequested();
                double value;
                using (NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var l = loss(batch);
                    value = l.item<float>();
                    if (!double.IsFinite(value))
                        throw new InvalidOperationException($"{options.Name}: the loss became {value} at epoch {epoch}, step {steps + 1}; lower the learning rate or check the data.");
                    l.backward();
                    if (options.ClipGradNorm is double clip) nn.utils.clip_grad_norm_(parameters, clip);
                    optimizer.step();
                }
                sum += value;
                steps++;
                totalSteps++;
                stepLosses.Add(value);
                task.Advance();
                if (steps % 10 == 1) task.Describe($"{options.Name} epoch {epoch}/{options.Epochs} loss {value:F4}");
            }
            if (steps == 0) throw new InvalidOperationException($"{options.Name}: epoch {epoch} had no batches (is the data set smaller than one batch?).");
            double? val = null;
            bool isBest = false;
            if (validate != null)
            {
                model.eval();
                using (no_grad()) val = validate(epoch);
                if (best is null || (options.LowerIsBetter ? val < best : val > best))
                {
                    best = val;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    isBest = true;
                }
                else sinceBest++;
            }
            epochs.Add(new EpochRecord(epoch, steps, sum / steps, val, watch.Elapsed.TotalSeconds, isBest));
            var history = new TrainingHistory(epochs.ToList(), stepLosses.ToList(), bestEpoch, false);
            if (isBest) saveBest?.Invoke(epoch, history);
            onEpoch?.Invoke(epochs[^1]);
            afterEpoch?.Invoke(epoch);
            if (options.Patience > 0 && sinceBest >= options.Patience) { stoppedEarly = true; break; }
            if (options.MaxSteps is int t2 && totalSteps >= t2) break;
            if (OverBudget()) break;
        }
        model.eval();
        return new TrainingHistory(epochs, stepLosses, bestEpoch, stoppedEarly);
    }
}

/// <summary>Optimisers by name, so recipes share one vocabulary (<c>--optimizer adamw</c>).</summary>
public static class Optimizers
{
    public static optim.Optimizer Create(string name, IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr, double weightDecay = 0, double momentum = 0.9) =>
        name.ToLowerInvariant() switch
        {
            "adamw" => optim.AdamW(parameters, lr, weight_decay: weightDecay),
            "adam" => optim.Adam(parameters, lr, weight_decay: weightDecay),
            "sgd" => optim.SGD(parameters, lr, momentum: momentum, weight_decay: weightDecay),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'. Use adamw, adam or sgd."),
        };
}
