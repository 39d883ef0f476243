using Zoo.Plugins.RandomLabel;
using Zoo.Plugins.Ssd;
using Zoo.Plugins.GsLora;

namespace Zoo.Plugins.Continual.Tests;

[TestClass]
public sealed class UnlearningTests
{
    [TestMethod]
    public void Ssd_ForgetsClasses_KeepsRetainAccuracy()
    {
        // SSD needs an over-parameterised model (the paper: ResNet18/ViT): a 256-wide MLP, paper defaults alpha 10, lambda 1.
        var (model, train, test) = TestSupport.TrainedClassifier(width: 256);
        using var _ = model;
        var ssd = new SelectiveSynapticDampening();
        var steps = UnlearningRunner.Run(ssd, model, train, test, [[3]], TestSupport.Settings(), TestSupport.Context);
        var s = steps.Single();
        Console.WriteLine(UnlearningRunner.Table("ssd", steps));
        Console.WriteLine($"dampened {ssd.LastSelection.Dampened} of {ssd.LastSelection.Total}");
        Close.Above(0.85, s.ForgetBefore, "the model knew the classes before");
        Close.Below(0.15, s.ForgetAfter, $"forget accuracy after SSD {s.ForgetAfter} (chance 0.1)");
        Close.Below(0.03, s.RetainBefore - s.RetainAfter, $"retain {s.RetainBefore} -> {s.RetainAfter}");
        Assert.IsGreaterThan(0L, ssd.LastSelection.Dampened);
        Assert.IsLessThan(ssd.LastSelection.Total / 5, ssd.LastSelection.Dampened, "SSD is selective");
    }

    [TestMethod]
    public void Ssd_HugeAlpha_SelectsNothing_ModelUnchanged()
    {
        var (model, train, test) = TestSupport.TrainedClassifier(epochs: 2);
        using var _ = model;
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var ssd = new SelectiveSynapticDampening();
        var settings = TestSupport.Settings(options: new SsdOptions { Alpha = 1e30 });
        var forget = SplitDigits.Select(train, [3], keep: true);
        var retain = SplitDigits.Select(train, [3], keep: false);
        ssd.Forget(model, forget, retain, settings, TestSupport.Context);
        Assert.AreEqual(0L, ssd.LastSelection.Dampened);
        foreach (var (a, b) in before.Zip(model.parameters())) Assert.IsTrue(a.eq(b).all().item<bool>());
        Assert.ThrowsExactly<ArgumentException>(() => ssd.Forget(model, forget, retain, TestSupport.Settings(options: new SsdOptions { Lambda = -1 }),
            TestSupport.Context));
    }

    [TestMethod]
    public void RandomLabel_DropsForgetAccuracy_AndRetainWeightHelpsRetain()
    {
        var (model, train, test) = TestSupport.TrainedClassifier();
        using var _ = model;
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var plain = UnlearningRunner.Run(new RandomLabelForgetting(), model, train, test, [[3, 7]], TestSupport.Settings(epochs: 3),
            TestSupport.Context).Single();
        Console.WriteLine(UnlearningRunner.Table("random-label", [plain]));
        using (torch.no_grad())
            foreach (var (k, v) in model.state_dict()) v.copy_(state[k]);
        var withRetain = UnlearningRunner.Run(new RandomLabelForgetting(), model, train, test, [[3, 7]],
            TestSupport.Settings(epochs: 3, options: new RandomLabelOptions { RetainWeight = 1 }), TestSupport.Context).Single();
        Console.WriteLine(UnlearningRunner.Table("random-label+retain", [withRetain]));
        Close.Below(plain.ForgetBefore - 0.3, plain.ForgetAfter);
        Close.Below(withRetain.ForgetBefore - 0.3, withRetain.ForgetAfter);
        Close.Above(withRetain.RetainBefore - 0.05, withRetain.RetainAfter);
        Close.AtLeast(plain.RetainAfter - 0.02, withRetain.RetainAfter);
    }

    [TestMethod]
    public void Requests_Parse_AndSequenceKeepsEarlierForgottenClassesOutOfRetain()
    {
        var two = UnlearningRunner.ParseRequests("3,7; 1");
        Assert.HasCount(2, two);
        CollectionAssert.AreEqual(new[] { 3, 7 }, two[0].ToArray());
        var r = UnlearningRunner.ParseRequests("3;7");
        Assert.ThrowsExactly<ArgumentException>(() => UnlearningRunner.ParseRequests("3,x"));
        Assert.ThrowsExactly<ArgumentException>(() => UnlearningRunner.ParseRequests(" ; "));
        var (model, train, test) = TestSupport.TrainedClassifier(width: 256);
        using var _ = model;
        // The sequencing is what this test checks, so it runs the unlearner whose effect is stable across machines. SSD at
        // alpha 10 on this 256-wide MLP is on a knife edge: forgetting class 7 drops it to 0.833 or to 0.0 depending on the
        // classifier seed and on libtorch's CPU kernels (the same on f482ae2; probes over 6 seeds x 2 kernel paths in the
        // issue-12 note). SSD's own effect is checked in Ssd_ForgetsClasses_KeepsRetainAccuracy.
        var steps = UnlearningRunner.Run(new RandomLabelForgetting(), model, train, test, r,
            TestSupport.Settings(epochs: 6, options: new RandomLabelOptions { RetainWeight = 1 }), TestSupport.Context);
        Console.WriteLine(UnlearningRunner.Table("random-label+retain", steps));
        Assert.HasCount(2, steps);
        Close.Below(0.2, steps[0].ForgetAfter);
        Close.Below(steps[1].ForgetBefore - 0.4, steps[1].ForgetAfter);
        // the second request's retain set no longer contains class 3, so its "before" is not dragged down by the forgotten class
        Close.Above(steps[0].RetainAfter - 0.02, steps[1].RetainBefore);
        Close.Above(0.9, steps[1].RetainAfter);
        Assert.ThrowsExactly<ArgumentException>(() => UnlearningRunner.Run(new SelectiveSynapticDampening(), model, train, test, [[12]],
            TestSupport.Settings(), TestSupport.Context));
    }
}

[TestClass]
public sealed class GsLoraTests
{
    [TestMethod]
    public void LoraSite_Gradients_MatchDirectLowRankForm()
    {
        // d/dA and d/dB through the re-parametrised weight equal those of y = x (W0 + s B A)^T computed directly.
        torch.manual_seed(0);
        using var lin = nn.Linear(5, 4);
        using var site = new LoraSite("w", lin.weight!, 2, 4.0);
        using (torch.no_grad()) site.B.normal_();
        var x = torch.randn(3, 5);
        site.Apply();
        lin.forward(x).square().sum().backward();
        site.PullGradients();
        var gA = site.A.grad!.clone();
        var gB = site.B.grad!.clone();
        var a2 = site.A.detach().clone().requires_grad_(true);
        var b2 = site.B.detach().clone().requires_grad_(true);
        var w = site.BaseWeight + b2.mm(a2) * 2.0;
        (x.mm(w.t()) + lin.bias!).square().sum().backward();
        Assert.IsTrue(gA.allclose(a2.grad!, 1e-5, 1e-5));
        Assert.IsTrue(gB.allclose(b2.grad!, 1e-5, 1e-5));
        Close.Within(0f, lin.weight!.grad!.abs().sum().item<float>(), 0, "frozen base weight gradient");
    }

    [TestMethod]
    public void GsLora_ForgetsClass_KeepsRetain_OnlyFfnWeightsChange()
    {
        var (model, train, test) = TestSupport.TrainedClassifier();
        using var _ = model;
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var gs = new GroupSparseLora();
        var steps = UnlearningRunner.Run(gs, model, train, test, [[3, 7]], TestSupport.Settings(epochs: 5) with { LearningRate = 5e-3 }, TestSupport.Context);
        Console.WriteLine(UnlearningRunner.Table("gs-lora", steps) + "group norms " + string.Join(", ", gs.LastGroupNorms));
        var s = steps.Single();
        Close.Below(0.15, s.ForgetAfter);
        Close.Below(0.05, s.RetainBefore - s.RetainAfter);
        foreach (var (name, p) in model.named_parameters())
        {
            bool changed = !before[name].eq(p).all().item<bool>();
            Assert.AreEqual(System.Text.RegularExpressions.Regex.IsMatch(name, LoraAdapter.FfnPattern), changed, name);
            Assert.IsTrue(p.requires_grad, $"{name} is trainable again after the edit");
        }
        Assert.HasCount(2, gs.LastGroupNorms);
    }

    [TestMethod]
    public void GsLoraPlusPlus_PrototypeLoss_Runs_AndForgets()
    {
        var (model, train, test) = TestSupport.TrainedClassifier();
        using var _ = model;
        var steps = UnlearningRunner.Run(new GroupSparseLora(), model, train, test, [[3]],
            TestSupport.Settings(epochs: 3, options: new GsLoraOptions { Prototype = 1 }), TestSupport.Context);
        Console.WriteLine(UnlearningRunner.Table("gs-lora++", steps));
        Close.Below(0.15, steps[0].ForgetAfter);
        Close.Below(0.05, steps[0].RetainBefore - steps[0].RetainAfter);
        Assert.ThrowsExactly<ArgumentException>(() => new GroupSparseLora().Forget(model, train, train,
            TestSupport.Settings(options: new GsLoraOptions { LoraPattern = "^nothing$" }), TestSupport.Context));
    }
}
