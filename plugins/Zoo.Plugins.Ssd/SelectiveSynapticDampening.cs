using System.ComponentModel;

namespace Zoo.Plugins.Ssd;

/// <summary>
/// Selective Synaptic Dampening (Foster, Schoepf and Brintrup, "Fast Machine Unlearning Without Retraining Through
/// Selective Synaptic Dampening", AAAI 2024, arXiv:2308.07707). No training: two diagonal Fisher estimates (Sec. 3,
/// eq. 1: []_D = E[(dL/dθ)^2] over the full training data D, []_Df over the forget set), then for every parameter i
/// (eq. 2-3)
///   if []_Df,i &gt; α []_D,i :  θ_i ← β θ_i,  β = min(λ []_D,i / []_Df,i, 1).
/// The importance is the reference code's: squared gradient of each mini-batch's mean cross-entropy, averaged over
/// mini-batches (model in eval mode). Options: <see cref="SsdOptions"/>.
/// </summary>
[ZooExport(typeof(IUnlearner), "ssd", Task = ZooTasks.Unlearning, ArxivId = "2308.07707",
    Paper = "Fast Machine Unlearning Without Retraining Through Selective Synaptic Dampening (Foster et al., AAAI 2024)",
    Summary = "Dampens the parameters far more important (diagonal Fisher) to the forget set than to the full data; no retraining.")]
public sealed class SelectiveSynapticDampening() : UnlearnerBase<SsdOptions>("SSD")
{
    /// <summary>Parameters dampened by the last call, of all parameters.</summary>
    public (long Dampened, long Total) LastSelection { get; private set; }

    protected override void Forget(nn.Module model, IImageClassifier classifier, LabeledData forget, LabeledData retain,
        IProgress<TrainingProgress>? progress)
    {
        double alpha = Options.Alpha, lambda = Options.Lambda;
        if (alpha <= 0 || lambda <= 0) throw new ArgumentException($"SSD: alpha ({alpha}) and lambda ({lambda}) must be positive.");
        int batch = Options.BatchSize ?? Settings.BatchSize;
        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var device = parameters[0].parameter.device;
        // D = the full training data: forget ∪ retain (Sec. 3: "the full training data"), shuffled as the reference's
        // train loader is; unshuffled, whole batches of forget rows would inflate []_D and hide the forget-specific weights.
        using var full = new DisposableData(Shuffled(Training.Concat([forget, retain]), Settings.Seed));
        progress?.Report(new TrainingProgress("ssd importance (full data)", 0, 2));
        var importanceFull = Importance(model, classifier, parameters, full.Data, batch, device);
        progress?.Report(new TrainingProgress("ssd importance (forget set)", 1, 2));
        var importanceForget = Importance(model, classifier, parameters, forget, batch, device);
        long dampened = 0, total = 0;
        using (torch.no_grad())
        {
            for (int k = 0; k < parameters.Count; k++)
            {
                using var scope = torch.NewDisposeScope();
                var p = parameters[k].parameter;
                var iD = importanceFull[k];
                var iF = importanceForget[k];
                var select = iF.gt(iD * alpha);                                   // eq. 2: selection
                var beta = (iD * lambda / iF).clamp_max(1.0);                     // eq. 3: dampening, never amplifying
                p.copy_(torch.where(select, p * beta, p));
                dampened += select.sum().item<long>();
                total += p.numel();
            }
        }
        foreach (var t in importanceFull.Concat(importanceForget)) t.Dispose();
        LastSelection = (dampened, total);
        progress?.Report(new TrainingProgress("ssd dampening", 2, 2, Message: $"{dampened} of {total} parameters dampened"));
    }

    private static LabeledData Shuffled(LabeledData data, long seed)
    {
        var order = Enumerable.Range(0, (int)data.Count).Select(i => (long)i).ToArray();
        new Random((int)seed).Shuffle(order);
        using var idx = torch.tensor(order);
        var shuffled = new LabeledData(data.Inputs.index_select(0, idx), data.Labels.index_select(0, idx));
        data.Inputs.Dispose();
        data.Labels.Dispose();
        return shuffled;
    }

    /// <summary>Diagonal Fisher: mean over mini-batches of the squared gradient of the batch's mean cross-entropy.</summary>
    private static List<Tensor> Importance(nn.Module model, IImageClassifier classifier, List<(string name, TorchSharp.Modules.Parameter parameter)> parameters,
        LabeledData data, int batch, Device device)
    {
        model.eval();
        var sums = parameters.Select(p => torch.zeros_like(p.parameter)).ToList();
        int batches = 0;
        foreach (var (x, y) in Training.InOrder(data, batch, device))
        {
            model.zero_grad();
            nn.functional.cross_entropy(classifier.Classify(x), y).backward();
            using (torch.no_grad())
                for (int k = 0; k < parameters.Count; k++)
                    if (parameters[k].parameter.grad is { } g) sums[k].add_(g.square());
            batches++;
        }
        model.zero_grad();
        foreach (var t in sums) t.div_(Math.Max(1, batches));
        return sums;
    }
}

/// <summary>Options of SSD (<c>--set alpha=10 --set lambda=1</c> keep working).</summary>
public sealed record SsdOptions
{
    [Description("Selection weighting alpha: dampen where forget importance > alpha x full-data importance")] public double Alpha { get; init; } = 10;
    [Description("Dampening constant lambda")] public double Lambda { get; init; } = 1;

    /// <summary>Batch size of the importance pass; <c>--set batch_size=N</c> as before (the common --batch-size is the default).</summary>
    [Description("Batch size of the importance pass (default: --batch-size)")]
    [OptionName("--importance-batch-size")]
    public int? BatchSize { get; init; }
}
