using System.ComponentModel;

namespace Zoo.Plugins.RandomLabel;

/// <summary>
/// Random-label forgetting: fine-tune the whole model on the forget set with labels drawn uniformly at random, the
/// unlearning method whose generalisation "Unforgettable Generalization in Language Models" (Zhang, Choshen, Andreas,
/// 2024, arXiv:2409.02228) studies ("tasks have been forgotten via fine-tuning on randomized labels"). Labels are redrawn for
/// every batch. The paper trains on the forget set only (<c>retain_weight</c> = 0, the default); a positive
/// <c>retain_weight</c> adds the true-label loss of a retain batch each step (a common practical variant).
/// Options: <see cref="RandomLabelOptions"/>.
/// </summary>
[ZooExport(typeof(IUnlearner), "random-label", Task = ZooTasks.Unlearning, Paper = "Unforgettable Generalization in Language Models (Zhang et al. 2024)",
    ArxivId = "2409.02228", Summary = "Unlearning baseline: fine-tune on the forget set with uniformly random labels (optionally plus retain data).")]
public sealed class RandomLabelForgetting() : UnlearnerBase<RandomLabelOptions>("Random-label forgetting")
{
    protected override void Forget(nn.Module model, IImageClassifier classifier, LabeledData forget, LabeledData retain,
        IProgress<TrainingProgress>? progress)
    {
        double retainWeight = Options.RetainWeight;
        bool excludeTrue = Options.ExcludeTrue;
        int k = classifier.NumClasses;
        var rng = new Random((int)Settings.Seed);
        torch.manual_seed(Settings.Seed);
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
        }, Settings.Epochs, Settings.BatchSize, Settings.LearningRate, rng, device, progress, "random-label fine-tuning");
        model.eval();
    }
}

/// <summary>Options of random-label forgetting (<c>--set retain_weight=1</c> as before).</summary>
public sealed record RandomLabelOptions
{
    [Description("Weight of a true-label retain batch per step (0: the paper, forget set only)")] public double RetainWeight { get; init; }
    [Description("Never draw the true label (uniform over the wrong classes)")] public bool ExcludeTrue { get; init; }
}
