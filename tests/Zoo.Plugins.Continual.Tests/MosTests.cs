using Zoo.Plugins.ContinualBaselines;
using Zoo.Plugins.Mos;

namespace Zoo.Plugins.Continual.Tests;

[TestClass]
public sealed class MosTests
{
    private static void Fill(TaskAdapters bank, int seed)
    {
        using var _ = torch.no_grad();
        var g = new Generator((ulong)seed);
        foreach (var p in TaskAdapters.ParametersOf(bank.Current)) p.copy_(torch.randn(p.shape, generator: g));
    }

    private static List<Tensor> Snapshot(IEnumerable<TorchSharp.Modules.Parameter> ps) => ps.Select(p => p.detach().clone()).ToList();

    [TestMethod]
    public void AdapterMerge_EqualsTheRule_OnAHandMadeCase()
    {
        torch.manual_seed(0);
        using var bank = new TaskAdapters(depth: 2, width: 4, bottleneck: 2, scale: 1.0);
        Fill(bank, 1);
        var a = Snapshot(TaskAdapters.ParametersOf(bank.Current));
        bank.FinishTask(0.1);                         // no earlier sets: merging is a no-op, A is stored as is
        Fill(bank, 2);
        var b = Snapshot(TaskAdapters.ParametersOf(bank.Current));
        bank.Merge(0.1);                              // B <- 0.9 B + 0.1 A
        var bMerged = Snapshot(TaskAdapters.ParametersOf(bank.Current));
        for (int i = 0; i < a.Count; i++)
            Close.Below(1e-6, (bMerged[i] - (0.9 * b[i] + 0.1 * a[i])).abs().max().item<float>(), $"param {i}: one earlier set");
        bank.FinishTask(0.0);                         // store B' unchanged
        Assert.AreEqual(2, bank.Stored.Count);
        var stored0 = TaskAdapters.ParametersOf(bank.Stored[0]).ToList();
        var stored1 = TaskAdapters.ParametersOf(bank.Stored[1]).ToList();
        for (int i = 0; i < a.Count; i++)
        {
            Assert.IsTrue(Same(stored0[i], a[i]) && Same(stored1[i], bMerged[i]), $"param {i}: stored sets are frozen copies");
            Assert.IsFalse(stored0[i].requires_grad || stored1[i].requires_grad, "stored sets are frozen");
        }
        // the current set was re-initialised (AdaptFormer init: up_proj zero)
        Assert.IsTrue(bank.Current.All(ad => ad.UpProj.weight.abs().sum().item<float>() == 0));
        Fill(bank, 3);
        var c = Snapshot(TaskAdapters.ParametersOf(bank.Current));
        bank.Merge(0.25);                             // C <- 0.75 C + 0.25 (A + B') / 2
        var cMerged = TaskAdapters.ParametersOf(bank.Current).ToList();
        for (int i = 0; i < a.Count; i++)
        {
            var expected = 0.75 * c[i] + 0.25 * (a[i] + bMerged[i]) / 2;
            Close.Below(1e-6, (cMerged[i] - expected).abs().max().item<float>(), $"param {i}: two earlier sets");
        }
    }

    [TestMethod]
    public void SelfRefinedRetrieval_FollowsThePredictedClassesTask_ToTheRightAdapter()
    {
        int[] classToTask = [0, 0, 1, 1, 2, 2];
        var logits = torch.full(3, 2, 6, -5f);
        // sample 0 (a task-2 image): adapter 0 says class 3 (task 1), adapter 1 says class 4 (task 2), adapter 2 says class 5 (task 2)
        logits[0, 0, 3] = 1f; logits[1, 0, 4] = 1f; logits[2, 0, 5] = 2f;
        // sample 1 (a task-0 image): adapter 0 says class 1 (task 0) and is kept
        logits[0, 1, 1] = 3f; logits[1, 1, 2] = 1f; logits[2, 1, 4] = 1f;
        var (refined, chosen) = SelfRefinedRetrieval.Refine(logits, classToTask, maxIter: 4);
        CollectionAssert.AreEqual(new[] { 2, 0 }, chosen);
        Assert.IsTrue(Same(refined[0], logits[2, 0]) && Same(refined[1], logits[0, 1]));
        // one round only: the first-stage task's adapter (adapter 1 for sample 0), no refinement
        var (_, once) = SelfRefinedRetrieval.Refine(logits, classToTask, maxIter: 1);
        CollectionAssert.AreEqual(new[] { 1, 0 }, once);
        // ensemble = softmax(refined) + softmax(first * T)
        var ens = SelfRefinedRetrieval.Ensemble(refined, logits[0], 3);
        var expected = refined.softmax(1) + (logits[0] * 3).softmax(1);
        Close.Below(1e-6, (ens - expected).abs().max().item<float>());
        Assert.ThrowsExactly<ArgumentException>(() => SelfRefinedRetrieval.Refine(torch.zeros(2, 6), classToTask));
    }

    [TestMethod]
    public void Training_FrozenEncoderAndEarlierAdaptersGetNoGradient_NewTaskAdapterDoes()
    {
        using var vit = TestSupport.NewVit();
        using var learner = new MosLearner();
        learner.Initialize(vit, TestSupport.Settings(), TestSupport.Context);
        Fill(learner.Adapters, 5);                    // "trained" task-0 adapters
        learner.Adapters.FinishTask(0.1);
        var tasks = TestSupport.Tasks(((IImageEncoder)vit).InputSpec);
        var x = tasks[1].Train.Inputs.narrow(0, 0, 8);
        var y = tasks[1].Train.Labels.narrow(0, 0, 8);
        nn.functional.cross_entropy(learner.Head.forward(learner.Features(x, 1)), y).backward();
        foreach (var (name, p) in vit.named_parameters())
            Assert.IsTrue(!p.requires_grad && (p.grad is null || p.grad.abs().sum().item<float>() == 0), $"backbone {name} got a gradient");
        foreach (var p in TaskAdapters.ParametersOf(learner.Adapters.Stored[0]))
            Assert.IsTrue(!p.requires_grad && p.grad is null, "task 0's adapter got a gradient");
        foreach (var ad in learner.Adapters.Current)
            Close.Above(0.0, ad.UpProj.weight.grad!.abs().sum().item<float>(),
                "the new task's adapter learns (up_proj; down_proj's gradient is 0 at init since up_proj = 0)");
        Close.Above(0.0, learner.Head.weight.grad!.abs().sum().item<float>());
    }

    [TestMethod]
    public void ZeroAdapters_ReproduceThePlainEncoder()
    {
        using var vit = TestSupport.NewVit(3);
        using var learner = new MosLearner();
        learner.Initialize(vit, TestSupport.Settings(), TestSupport.Context);
        var x = TestSupport.Tasks(((IImageEncoder)vit).InputSpec)[0].Train.Inputs.narrow(0, 0, 5);
        using var _ = torch.no_grad();
        var plain = ((IImageEncoder)vit).Encode(x);
        Assert.IsTrue(Same(learner.Features(x, 0), plain), "fresh adapters (up_proj = 0) leave the encoder unchanged");
        Assert.IsTrue(Same(learner.PlainFeatures(x), plain));
        // (a constant shift would vanish in the final LayerNorm)
        foreach (var ad in learner.Adapters.Current) ad.UpProj.weight.add_(torch.randn_like(ad.UpProj.weight));
        Close.Above(1e-4, (learner.Features(x, 0) - plain).abs().max().item<float>(), "a non-zero adapter changes the feature");
    }

    [TestMethod]
    public void SplitDigitsClassIncremental_BeatsFinetuning()
    {
        var options = new MosOptions { CaEpochs = 5, CaLr = 0.01 };
        var mos = VitRuns.Run("mos", new MosLearner(), VitRuns.PretrainedVit(), epochs: 2, lr: 1e-2, options: options);
        var ft = VitRuns.Run("finetune", new FinetuneLearner(), VitRuns.PretrainedVit(), epochs: 2, lr: 1e-3);
        Close.Above(ft.Matrix.AverageAccuracy + 0.2, mos.Matrix.AverageAccuracy,
            $"MOS ACC {mos.Matrix.AverageAccuracy} vs fine-tune {ft.Matrix.AverageAccuracy}");
        Close.Below(ft.Matrix.ForgettingFromBest, mos.Matrix.ForgettingFromBest, "MOS forgets less than fine-tuning");
    }
}
