using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Plugins.Continual;
using static TorchSharp.torch;

namespace Zoo.Plugins.KFpf;

/// <summary>
/// k-FPF-CE (Zhao, Zhou, Shi, Fan, Li, Ye, Lam, Tao, "Does Continual Learning Equally Forget All Parameters?", ICML 2023,
/// arXiv:2304.04158). The paper finds forgetting concentrated in a few "forgetting-prone" parameters (Sec. 3: the
/// normalisation layers and the final classifier drift most) and proposes (Sec. 4) to train each task with plain SGD
/// (no replay in the training steps), and k times during the stream to fine-tune only those parameters on a small
/// buffer with cross-entropy (k-FPF-CE), which costs a small fraction of replay's computation. Here the buffer is a
/// reservoir filled online from the training batches, and the FPF calls are spread evenly over the steps of each task
/// (the last one at its end). Forgetting-prone parameters are chosen by name (<c>fpf_pattern</c>; default: every
/// LayerNorm/BatchNorm "norm*" and the head). Extras: memory (200), k (FPF calls per task, 2), fpf_steps (20), fpf_lr (the lr),
/// fpf_pattern (regex on parameter names).
/// </summary>
[ZooExport(typeof(IContinualLearner), "k-fpf", Task = ZooTasks.ContinualLearning, Paper = "Does Continual Learning Equally Forget All Parameters? (Zhao et al., ICML 2023)",
    ArxivId = "2304.04158", Summary = "Plain training plus k periodic fine-tunings of the forgetting-prone parameters (norm layers, head) on a small buffer (k-FPF-CE).")]
public sealed class ForgettingPronePartsFineTuning : ContinualLearnerBase
{
    public const string DefaultPattern = @"(^|\.)(norm[^.]*|head)\.(weight|bias)$";

    private ReservoirBuffer? _buffer;

    /// <summary>Names of the parameters FPF fine-tunes.</summary>
    public IReadOnlyList<string> ForgettingProne { get; private set; } = [];

    /// <summary>FPF calls made so far.</summary>
    public int FpfCalls { get; private set; }

    protected override void OnInitialized()
    {
        _buffer = new ReservoirBuffer(Settings.ExtraInt("memory", 200), Rng);
        var re = new Regex(Settings.ExtraString("fpf_pattern", DefaultPattern));
        ForgettingProne = Model.NamedParameters().Where(p => re.IsMatch(p.Name)).Select(p => p.Name).ToArray();
        if (ForgettingProne.Count == 0)
            throw new ArgumentException($"k-FPF: no backbone parameter matches fpf_pattern {re} (names: {string.Join(", ", Model.NamedParameters().Select(p => p.Name).Take(10))}, ...).");
    }

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        var buffer = _buffer!;
        int k = Math.Max(1, Settings.ExtraInt("k", 2));
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
        int steps = Settings.ExtraInt("fpf_steps", 20);
        using var opt = torch.optim.Adam(parameters, Settings.Extra("fpf_lr", Settings.LearningRate));
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

    private Tensor MaskedByOwnTask(Tensor logits, Tensor y)
    {
        var mask = torch.zeros_like(logits, dtype: ScalarType.Bool);
        var yl = y.cpu().data<long>().ToArray();
        for (int i = 0; i < yl.Length; i++)
            foreach (var c in TaskClasses.First(cl => cl.Contains((int)yl[i]))) mask[i, c] = true;
        return nn.functional.cross_entropy(logits.masked_fill(mask.logical_not(), float.NegativeInfinity), y);
    }

    public override void Dispose()
    {
        _buffer?.Dispose();
        base.Dispose();
    }
}

/// <summary><c>zoo continual k-fpf --model tnt --benchmark split-digits</c>.</summary>
[ZooExport(typeof(IZooCommandProvider), "k-fpf-commands", Task = ZooTasks.ContinualLearning, Paper = "Does Continual Learning Equally Forget All Parameters?", ArxivId = "2304.04158",
    Summary = "zoo continual k-fpf --model tnt --benchmark split-digits")]
public sealed class KFpfCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
        [new("continual", "k-fpf", typeof(ContinualCommand), "Split-Digits with k-FPF-CE (--set k=2 --set fpf_steps=20 --set memory=200).")];
}
