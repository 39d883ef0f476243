using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.Continual;
using static TorchSharp.torch;

namespace Zoo.Plugins.RandomLabel;

/// <summary>
/// Random-label forgetting: fine-tune the whole model on the forget set with labels drawn uniformly at random, the
/// unlearning method whose generalisation "Unforgettable Generalization in Language Models" (Zhang, Choshen, Andreas,
/// 2024, arXiv:2409.02228) studies ("tasks have been forgotten via fine-tuning on randomized labels"). Labels are redrawn for
/// every batch. The paper trains on the forget set only (<c>retain_weight</c> = 0, the default); a positive
/// <c>retain_weight</c> adds the true-label loss of a retain batch each step (a common practical variant).
/// Extras: <c>retain_weight</c> (default 0), <c>exclude_true</c> (1: never draw the true label; default 0).
/// </summary>
[ZooExport(typeof(IUnlearner), "random-label", Task = ZooTasks.Unlearning, Paper = "Unforgettable Generalization in Language Models (Zhang et al. 2024)",
    ArxivId = "2409.02228", Summary = "Unlearning baseline: fine-tune on the forget set with uniformly random labels (optionally plus retain data).")]
public sealed class RandomLabelForgetting : IUnlearner
{
    public void Forget(nn.Module model, LabeledData forget, LabeledData retain, ContinualSettings settings, IProgress<TrainingProgress>? progress = null)
    {
        var classifier = model as IImageClassifier ?? throw new ArgumentException($"Random-label forgetting needs an image classifier; {model.GetType().Name} is not one.");
        if (forget.Count == 0) throw new ArgumentException("Random-label forgetting: the forget set is empty.");
        double retainWeight = settings.Extra("retain_weight", 0);
        bool excludeTrue = settings.Extra("exclude_true", 0) != 0;
        int k = classifier.NumClasses;
        var rng = new Random((int)settings.Seed);
        torch.manual_seed(settings.Seed);
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        var device = parameters[0].device;
        model.train();
        Training.Fit(forget, parameters, (x, y) =>
        {
            var labels = torch.randint(0, excludeTrue ? k - 1 : k, y.shape, dtype: ScalarType.Int64, device: y.device);
            if (excludeTrue) labels = labels + labels.ge(y).to(ScalarType.Int64);   // uniform over the k-1 wrong classes
            var loss = nn.functional.cross_entropy(classifier.Classify(x), labels);
            if (retainWeight > 0 && retain.Count > 0)
            {
                var idx = Enumerable.Range(0, (int)Math.Min(retain.Count, x.shape[0])).Select(_ => rng.NextInt64(retain.Count)).ToArray();
                var (rx, ry) = Training.Take(retain, idx, device);
                loss = loss + retainWeight * nn.functional.cross_entropy(classifier.Classify(rx), ry);
            }
            return loss;
        }, settings.Epochs, settings.BatchSize, settings.LearningRate, rng, device, progress, "random-label fine-tuning");
        model.eval();
    }
}

/// <summary><c>zoo forget random-label --checkpoint DIR --classes 3,7</c>.</summary>
[ZooExport(typeof(IZooCommandProvider), "random-label-commands", Task = ZooTasks.Unlearning, Paper = "Unforgettable Generalization in Language Models", ArxivId = "2409.02228",
    Summary = "zoo forget random-label --checkpoint DIR --classes 3,7")]
public sealed class RandomLabelCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
        [new("forget", "random-label", typeof(ForgetCommand), "Forget digit classes by fine-tuning on them with random labels (--set retain_weight=1 to also keep the retain set).")];
}
