using Zoo.Plugins.ContinualBaselines;
using Zoo.Plugins.KFpf;
using Zoo.Plugins.RegLora;

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
        Close.Above(ft.Matrix.AverageAccuracy + 0.2, r.Matrix.AverageAccuracy,
            $"k-fpf {r.Matrix.AverageAccuracy} vs fine-tune {ft.Matrix.AverageAccuracy}");
        Assert.AreEqual(10, learner.FpfCalls, "k=2 FPF calls per task, 5 tasks");
        CollectionAssert.AreEquivalent(new[] { "blocks.0.norm2.weight", "blocks.0.norm2.bias", "blocks.1.norm2.weight", "blocks.1.norm2.bias",
            "norm.weight", "norm.bias", "head.weight", "head.bias" },
            learner.ForgettingProne.ToArray());
    }

    [TestMethod]
    public void RegLora_LearnsEachTask_AndKeepsNewUpdatesOffEarlierKeyElements()
    {
        var reg = new RegularizedLora();
        var r = BaselineTests.RunOnce("reglora", reg, options: new RegLoraOptions { RegLambda = 1000 });
        var free = new RegularizedLora();
        var rf = BaselineTests.RunOnce("reglora-free", free, options: new RegLoraOptions { RegLambda = 0 });
        // LoRA-only learning on a randomly initialised backbone (RegLoRA assumes a pre-trained one): each task is still learned.
        for (int i = 0; i < 4; i++) Close.Above(0.8, r.Matrix[i, i], $"A[{i},{i}]");
        Close.Above(0.75, Enumerable.Range(0, 5).Average(i => r.Matrix[i, i]));
        Assert.HasCount(4, reg.KeyOverlap);
        // With the regulariser the new update's mass on earlier key positions is far smaller than without it.
        Close.Below(0.5 * free.KeyOverlap.Average(), reg.KeyOverlap.Average(),
            $"{string.Join(",", reg.KeyOverlap)} vs {string.Join(",", free.KeyOverlap)}");
    }
}
