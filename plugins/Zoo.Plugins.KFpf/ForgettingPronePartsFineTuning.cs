using System.ComponentModel;
using System.Text.RegularExpressions;
using TorchSharp.Modules;

namespace Zoo.Plugins.KFpf;

/// <summary>
/// k-FPF-CE (Zhao, Zhou, Shi, Fan, Li, Ye, Lam, Tao, "Does Continual Learning Equally Forget All Parameters?", ICML 2023,
/// arXiv:2304.04158). The paper finds forgetting concentrated in a few "forgetting-prone" parameters (Sec. 3: the
/// normalisation layers and the final classifier drift most) and proposes (Sec. 4) to train each task with plain SGD
/// (no replay in the training steps), and k times during the stream to fine-tune only those parameters on a small
/// buffer with cross-entropy (k-FPF-CE), which costs a small fraction of replay's computation. Here the buffer is a
/// reservoir filled online from the training batches, and the FPF calls are spread evenly over the steps of each task
/// (the last one at its end). Forgetting-prone parameters are chosen by name (<c>fpf_pattern</c>; default: every
/// LayerNorm/BatchNorm "norm*" and the head). Options: <see cref="KFpfOptions"/>.
/// </summary>
[ZooExport(typeof(IContinualLearner), "k-fpf", Task = ZooTasks.ContinualLearning, ArxivId = "2304.04158",
    Paper = "Does Continual Learning Equally Forget All Parameters? (Zhao et al., ICML 2023)",
    Summary = "Plain training plus k periodic fine-tunings of the forgetting-prone parameters (norm layers, head) on a small buffer (k-FPF-CE).")]
public sealed class ForgettingPronePartsFineTuning : ContinualLearnerBase<KFpfOptions>
{
    private ReservoirBuffer? _buffer;

    /// <summary>Names of the parameters FPF fine-tunes.</summary>
    public IReadOnlyList<string> ForgettingProne { get; private set; } = [];

    /// <summary>FPF calls made so far.</summary>
    public int FpfCalls { get; private set; }

    protected override void OnInitialized()
    {
        _buffer = new ReservoirBuffer(Options.Memory, Rng);
        var re = new Regex(Options.FpfPattern);
        ForgettingProne = Model.NamedParameters().Where(p => re.IsMatch(p.Name)).Select(p => p.Name).ToArray();
        if (ForgettingProne.Count == 0)
            throw new ArgumentException(
                $"k-FPF: no backbone parameter matches fpf_pattern {re} "
                + $"(names: {string.Join(", ", Model.NamedParameters().Select(p => p.Name).Take(10))}, ...).");
    }

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        var buffer = _buffer!;
        int k = Math.Max(1, Options.K);
        int stepsPerEpoch = (int)((task.Train.Count + Settings.BatchSize - 1) / Settings.BatchSize);
        int total = stepsPerEpoch * Settings.Epochs;
        var at = Enumerable.Range(1, k).Select(i => (int)Math.Round((double)i * total / k)).ToHashSet();
        int step = 0;
        var all = Model.Parameters().ToList();
        Fit(task.Train, all, (x, y) =>
        {
            var loss = TaskLoss(Model.Logits(x), y, task.Classes);
            // the reservoir sees every training example once (first epoch)
            if (step < stepsPerEpoch) buffer.Add(new LabeledData(x.detach().cpu(), y.cpu()));
            return loss;
        }, progress, $"k-fpf task {task.Index}", afterBackward: null, beforeStep: () =>
        {
            // FPF is run between SGD steps: before step s+1 when s is one of the k call points.
            if (at.Contains(step)) Fpf(progress, task);
            step++;
        });
        if (at.Contains(step)) Fpf(progress, task);   // the last call point is the end of the task
    }

    /// <summary>FPF: fine-tune only the forgetting-prone parameters on the buffer with cross-entropy.</summary>
    private void Fpf(IProgress<TrainingProgress>? progress, ContinualTask task)
    {
        var buffer = _buffer!;
        if (buffer.Count == 0) return;
        var prone = ForgettingProne.ToHashSet();
        var parameters = Model.NamedParameters().Where(p => prone.Contains(p.Name)).Select(p => p.Param).ToList();
        int steps = Options.FpfSteps;
        using var opt = torch.optim.Adam(parameters, Options.FpfLr ?? Settings.LearningRate);
        double last = 0;
        for (int s = 0; s < steps; s++)
        {
            using var scope = torch.NewDisposeScope();
            var (x, y) = buffer.Sample(Settings.BatchSize, Device);
            opt.zero_grad();
            var logits = Model.Logits(x);
            var loss = Settings.TaskIncremental ? MaskedByOwnTask(logits, y) : nn.functional.cross_entropy(logits, y);
            loss.backward();
            opt.step();
            last = loss.item<float>();
        }
        FpfCalls++;
        progress?.Report(new TrainingProgress($"k-fpf FPF on buffer (task {task.Index})", FpfCalls, FpfCalls, last));
    }

    public override void Dispose()
    {
        _buffer?.Dispose();
        base.Dispose();
    }
}

/// <summary>Options of k-FPF (<c>--k 2</c>, or <c>--set k=2</c> as before).</summary>
public sealed record KFpfOptions
{
    /// <summary>Every LayerNorm/BatchNorm "norm*" and the head.</summary>
    public const string DefaultPattern = @"(^|\.)(norm[^.]*|head)\.(weight|bias)$";

    [Description("Reservoir buffer size in examples")] public int Memory { get; init; } = 200;
    [Description("FPF calls per task (k)")] public int K { get; init; } = 2;
    [Description("Optimiser steps of each FPF call")] public int FpfSteps { get; init; } = 20;
    [Description("Learning rate of FPF (default: --lr)")] public double? FpfLr { get; init; }

    [Description("Regex of the forgetting-prone parameter names (default: norm layers and the head)")]
    public string FpfPattern { get; init; } = DefaultPattern;
}
