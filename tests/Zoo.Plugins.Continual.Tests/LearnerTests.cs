using Zoo.Core;
using Zoo.Plugins.Continual;
using Zoo.Plugins.KFpf;

namespace Zoo.Plugins.Continual.Tests;

[TestClass]
public sealed class LearnerTests
{
    [TestMethod]
    public void KFpf_BeatsFinetune_ByFineTuningOnlyNormsAndHead()
    {
        var ft = BaselineTests.RunOnce("finetune", new FinetuneLearner());
        var learner = new ForgettingPronePartsFineTuning();
        var r = BaselineTests.RunOnce("k-fpf", learner);
        Assert.IsGreaterThan(ft.Matrix.AverageAccuracy + 0.2, r.Matrix.AverageAccuracy, $"k-fpf {r.Matrix.AverageAccuracy} vs fine-tune {ft.Matrix.AverageAccuracy}");
        Assert.AreEqual(10, learner.FpfCalls, "k=2 FPF calls per task, 5 tasks");
        CollectionAssert.AreEquivalent(new[] { "blocks.0.norm2.weight", "blocks.0.norm2.bias", "blocks.1.norm2.weight", "blocks.1.norm2.bias", "norm.weight", "norm.bias", "head.weight", "head.bias" },
            learner.ForgettingProne.ToArray());
    }
}
