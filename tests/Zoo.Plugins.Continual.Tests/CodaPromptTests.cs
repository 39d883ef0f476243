using Zoo.Plugins.CodaPrompt;

namespace Zoo.Plugins.Continual.Tests;

[TestClass]
public sealed class CodaPromptTests
{
    [TestMethod]
    public void Assembly_WeightsAreCosineOfAttendedQueryWithKeys_AndPromptIsTheirWeightedSum()
    {
        torch.manual_seed(0);
        using var pool = new PromptComponents([0], 6, 4, 8);
        pool.InitTask(0, 3);
        pool.InitTask(3, 6);
        var (p, k, a) = pool.Of(0);
        var q = torch.randn(3, 8);
        var (alpha, prompt) = pool.Assemble(0, q, 0, 6);
        using var _ = torch.no_grad();
        for (int b = 0; b < 3; b++)
            for (int m = 0; m < 6; m++)
            {
                var aq = q[b] * a[m];
                double cos = (aq.dot(k[m]) / (aq.norm() * k[m].norm())).item<float>();
                Close.Within(cos, alpha[b, m].item<float>(), 1e-5, $"alpha[{b},{m}]");
            }
        var expected = torch.einsum("bk,kld->bld", alpha, p);
        Close.Below(1e-6, (prompt - expected).abs().max().item<float>());
        CollectionAssert.AreEqual(new long[] { 3, 4, 8 }, prompt.shape);
        // the extension splits the prompt into key and value halves (Lp/2 each)
        var ext = new PromptExtension(new Dictionary<int, Tensor> { [0] = prompt });
        var (pk, pv) = ext.Prefix(0, torch.zeros(3, 5, 8))!.Value;
        Assert.IsTrue(Same(pk, prompt.narrow(1, 0, 2)) && Same(pv, prompt.narrow(1, 2, 2)));
        Assert.IsNull(ext.Prefix(1, torch.zeros(3, 5, 8)));
    }

    [TestMethod]
    public void OrthogonalInit_NewComponentsAreOrthonormalToEarlierOnes()
    {
        torch.manual_seed(1);
        using var pool = new PromptComponents([0, 1], 6, 4, 8);
        pool.InitTask(0, 2);
        using (torch.no_grad()) foreach (var t in pool.parameters()) t.narrow(0, 0, 2).add_(torch.randn_like(t.narrow(0, 0, 2)) * 0.1);   // "trained"
        pool.InitTask(2, 4);
        foreach (var t in pool.parameters())
        {
            var rows = t.reshape(6, -1);
            var old = rows.narrow(0, 0, 2);
            var fresh = rows.narrow(0, 2, 2);
            Close.Below(1e-5, fresh.matmul(old.t()).abs().max().item<float>(), "new rows orthogonal to the earlier task's");
            Close.Below(1e-5, (fresh.matmul(fresh.t()) - torch.eye(2)).abs().max().item<float>(), "new rows orthonormal");
            Close.Within(0.0, rows.narrow(0, 4, 2).abs().sum().item<float>(), 0, "later tasks' rows untouched");
        }
        Assert.ThrowsExactly<ArgumentException>(() => GramSchmidt.Extend(torch.eye(3), 2));
    }

    [TestMethod]
    public void Training_FrozenEncoderGetsNoGradient_NorDoEarlierTasksComponents()
    {
        using var vit = TestSupport.NewVit();
        using var learner = new CodaPromptLearner();
        learner.Initialize(vit, TestSupport.Settings(), TestSupport.Context);
        var tasks = TestSupport.Tasks(((IImageEncoder)vit).InputSpec);
        learner.Prompts.InitTask(0, 2);
        learner.Prompts.InitTask(2, 4);
        var x = tasks[1].Train.Inputs.narrow(0, 0, 8);
        var y = tasks[1].Train.Labels.narrow(0, 0, 8);
        nn.functional.cross_entropy(learner.Forward(x, 1, training: true), y).backward();
        foreach (var (name, p) in vit.named_parameters())
            Assert.IsTrue(!p.requires_grad && (p.grad is null || p.grad.abs().sum().item<float>() == 0), $"backbone {name} got a gradient");
        foreach (var (name, p) in learner.Prompts.named_parameters())
        {
            var g = p.grad!;
            Close.Within(0.0, g.narrow(0, 0, 2).abs().sum().item<float>(), 0, $"{name}: task 0's components are frozen while learning task 1");
            Close.Above(0.0, g.narrow(0, 2, 2).abs().sum().item<float>(), $"{name}: task 1's components learn");
            Close.Within(0.0, g.narrow(0, 4, 6).abs().sum().item<float>(), 0, $"{name}: later components unused");
        }
        // the query is the prompt-free frozen feature
        using (torch.no_grad()) Assert.IsTrue(Same(learner.Query(x), ((IImageEncoder)vit).Encode(x)));
    }

    [TestMethod]
    public void SplitDigitsTaskIncremental_LearnsEachTask_WithoutForgetting()
    {
        // Task-IL (task id given): the prompts and head on the frozen encoder learn each task and keep it.
        // Class-IL on this tiny setting is weak (old classes' head rows dominate; see the plugin README), so it is reported, not asserted.
        var r = VitRuns.Run("coda-prompt", new CodaPromptLearner(), VitRuns.PretrainedVit(), epochs: 2, lr: 2e-2, taskIl: true);
        // measured: ACC 0.77, diagonal 0.65-0.99, forgetting 0.04 (2 epochs); chance is 0.5 per task
        for (int i = 0; i < 5; i++) Close.Above(0.6, r.Matrix[i, i], $"A[{i},{i}]");
        Close.Above(0.7, r.Matrix.AverageAccuracy, $"ACC {r.Matrix.AverageAccuracy}");
        Close.Below(0.1, r.Matrix.ForgettingFromBest, $"forgetting {r.Matrix.ForgettingFromBest}");
    }
}

/// <summary>Split-Digits runs on the micro ViT (the prompt/adapter learners need an IExtensibleEncoder backbone).</summary>
internal static class VitRuns
{
    private static Dictionary<string, Tensor>? _pretrained;

    /// <summary>
    /// The micro ViT "pre-trained" for 2 epochs on the training split of all ten digits (no pre-trained ViT ships; a
    /// randomly initialised one gives near-constant class-token features, on which a frozen-encoder method cannot learn).
    /// Stated in the report: the encoder has seen every class, as a pre-trained model has seen related data; the test split is untouched.
    /// </summary>
    public static nn.Module PretrainedVit()
    {
        var vit = TestSupport.NewVit(7);
        if (_pretrained == null)
        {
            var clf = (IImageClassifier)vit;
            var (train, _) = SplitDigits.Full(TestSupport.Digits, clf.InputSpec);
            vit.train();
            Training.Fit(train, vit.parameters().ToList(), (x, y) => nn.functional.cross_entropy(clf.Classify(x), y), 2, 32, 3e-3, new Random(7), CPU);
            vit.eval();
            _pretrained = vit.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        }
        else vit.load_state_dict(_pretrained);
        return vit;
    }

    public static ContinualResult Run(string name, IContinualLearner learner, nn.Module backbone, int epochs, double lr, object? options = null,
        bool taskIl = false)
    {
        using (backbone)
        using (learner)
        {
            var tasks = TestSupport.Tasks(((IImageEncoder)backbone).InputSpec);
            var settings = TestSupport.Settings(epochs, taskIl, options) with { LearningRate = lr };
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = ContinualRunner.Run(learner, backbone, tasks, settings, name, taskIl ? "split-digits-task" : "split-digits", TestSupport.Context,
                new SyncProgress(p => Console.WriteLine($"  {p.Stage} epoch {p.Step}/{p.TotalSteps} loss {p.Loss:F4}")));
            Console.WriteLine($"{name}: {sw.Elapsed.TotalSeconds:F1}s");
            Console.WriteLine(ContinualReport.SummaryTable([r]));
            Console.WriteLine(r.Matrix.ToTable());
            return r;
        }
    }
}
