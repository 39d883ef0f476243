using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt.Tests;

[TestClass]
public sealed class GradientAndInputTests
{
    private static HierarchicalMemoryTransformer Build(bool freeze, bool recall, string backbone = "hybrid-lm")
    {
        manual_seed(7);
        var cfg = new HmtConfig
        {
            Backbone = backbone, BackboneConfig = backbone == "hybrid-lm" ? TestCatalog.TinyHybrid() : new JsonObject { ["vocab_size"] = 128 },
            SegmentLength = 12, NumSensory = 2, MemRecallHiddenDim = 8, FreezeBackbone = freeze, UseRecall = recall,
        };
        return (HierarchicalMemoryTransformer)new HmtFactory().Create(cfg, TestCatalog.Context);
    }

    private static Dictionary<string, bool> GradientsReached(HierarchicalMemoryTransformer model, int segments, int unroll, bool onlyLastTargets = false)
    {
        var vocab = model.Backbone.VocabSize;
        var x = randint(3, Math.Min(vocab, 40), [2, segments * model.Config.TextBlock]);
        var y = randint(3, Math.Min(vocab, 40), [2, segments * model.Config.TextBlock]);
        if (onlyLastTargets) y[.., ..((segments - 1) * model.Config.TextBlock)] = -100;
        foreach (var p in model.parameters()) p.grad = null;
        model.train();
        var loss = MultiStageTraining.UnrollStep(model, x, y, unroll);
        Assert.IsTrue(double.IsFinite(loss));
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g && g.abs().sum().item<float>() > 0);
    }

    [TestMethod]
    public void FrozenBackboneGetsNoGradientHmtParametersDo()
    {
        using var scope = NewDisposeScope();
        var model = Build(freeze: true, recall: true);
        var reached = GradientsReached(model, segments: 3, unroll: 3);
        var backbone = reached.Where(kv => kv.Key.StartsWith("memory_cell.model.", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(backbone.Count > 5);
        Assert.IsTrue(backbone.All(kv => !kv.Value), "frozen backbone got a gradient: " + string.Join(", ", backbone.Where(kv => kv.Value).Select(kv => kv.Key)));
        Assert.IsTrue(model.BackboneModule.parameters().All(p => p.grad is null), "frozen backbone parameters must have no grad tensor at all");
        foreach (var name in new[] { "memory_cell.memory", "mem", "cross_attn.wq.weight", "cross_attn.wk.weight" })
            Assert.IsTrue(reached[name], $"{name} got no gradient");
        Assert.AreEqual(4, model.TrainableParameters().Count());
    }

    [TestMethod]
    public void TrainedBackboneGetsGradients()
    {
        using var scope = NewDisposeScope();
        var model = Build(freeze: false, recall: true);
        var reached = GradientsReached(model, segments: 3, unroll: 3);
        Assert.IsTrue(reached["memory_cell.model.embeddings.weight"]);
        Assert.IsTrue(reached["memory_cell.model.lm_head.weight"]);
        Assert.IsTrue(reached.Where(kv => kv.Key.StartsWith("memory_cell.model.layers.", StringComparison.Ordinal)).All(kv => kv.Value));
        Assert.IsTrue(reached["cross_attn.wq.weight"] && reached["mem"]);
    }

    [TestMethod]
    public void StageOneWithoutRecallLeavesRecallParametersUntouched()
    {
        using var scope = NewDisposeScope();
        var model = Build(freeze: true, recall: false);
        var reached = GradientsReached(model, segments: 3, unroll: 3);
        Assert.IsTrue(reached["memory_cell.memory"], "m_init is read by the first segment");
        Assert.IsFalse(reached["mem"], "the summary prompt is only used by recall");
        Assert.IsFalse(reached["cross_attn.wq.weight"]);
        Assert.IsFalse(reached["cross_attn.wk.weight"]);
    }

    [TestMethod]
    public void GradientThroughMemoryFollowsTheUnrollDepth()
    {
        using var scope = NewDisposeScope();
        // Loss only on the last of 3 segments. m_init is read only by segment 0, so it gets a gradient only when the
        // unroll spans all 3 segments (gradient through the memory chain, stage 1 = no recall).
        var model = Build(freeze: true, recall: false);
        Assert.IsTrue(GradientsReached(model, segments: 3, unroll: 3, onlyLastTargets: true)["memory_cell.memory"]);
        Assert.IsFalse(GradientsReached(model, segments: 3, unroll: 1, onlyLastTargets: true)["memory_cell.memory"]);
        Assert.IsFalse(GradientsReached(model, segments: 3, unroll: 2, onlyLastTargets: true)["memory_cell.memory"]);
        // With recall the cached memory of segment 0 is attended by segment 2 directly.
        var recall = Build(freeze: true, recall: true);
        Assert.IsTrue(GradientsReached(recall, segments: 3, unroll: 3, onlyLastTargets: true)["memory_cell.memory"]);
        Assert.IsFalse(GradientsReached(recall, segments: 3, unroll: 1, onlyLastTargets: true)["memory_cell.memory"]);
    }

    [TestMethod]
    public void StageTrainingReducesLossOnATinyProblem()
    {
        using var scope = NewDisposeScope();
        var model = Build(freeze: false, recall: true, backbone: "spy");
        var rng = new Random(0);
        var task = new LongRangeRecall(model.Config.TextBlock, Keys: 4);
        var curve = MultiStageTraining.TrainStage(model, new HmtStage("t", 60, 2, 2, UseRecall: true), (_, n) => task.Batch(16, n, rng), 1e-2);
        Assert.AreEqual(60, curve.Count);
        Close.Above(curve.Skip(55).Average(), curve.Take(5).Average(), $"loss did not go down: {curve.Take(5).Average():F3} -> {curve.Skip(55).Average():F3}");
        Assert.IsTrue(model.UseRecall);
    }

    [TestMethod]
    public void BadInputGetsClearErrors()
    {
        using var scope = NewDisposeScope();
        var model = Build(freeze: true, recall: true, backbone: "spy");
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => model.forward(randn(2, 10)));
        StringAssert.Contains(e1.Message, "int64");
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => model.forward(full(2, 10, 128L)));
        StringAssert.Contains(e2.Message, "vocabulary");
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(full(2, 10, -1L)));
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(zeros(2, 3, 4, dtype: ScalarType.Int64)));
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(zeros(2, 0, dtype: ScalarType.Int64)));
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => model.ForwardSegment(zeros(2, model.Config.TextBlock + 1, dtype: ScalarType.Int64), model.InitialState(2)));
        StringAssert.Contains(e3.Message, "segment");
        Assert.ThrowsExactly<ArgumentException>(() => model.ForwardSegment(zeros(3, 4, dtype: ScalarType.Int64), model.InitialState(2)));
    }

    [TestMethod]
    public void BadConfigurationsAndBackbonesAreRefused()
    {
        var f = new HmtFactory();
        var e = Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "spy", SegmentLength = 10, NumSensory = 7 }, TestCatalog.Context));
        StringAssert.Contains(e.Message, "segment_length");
        Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "spy", NumSensory = -1 }, TestCatalog.Context));
        Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "spy", SumFraction = 0 }, TestCatalog.Context));
        Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "spy", MemRecallContext = 0 }, TestCatalog.Context));
        var w = Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "spy", SegmentLength = 64, BackboneConfig = new JsonObject { ["max_context"] = 32 } }, TestCatalog.Context));
        StringAssert.Contains(w.Message, "max_context");
        var n = Assert.ThrowsExactly<ArgumentException>(() => f.Create(new HmtConfig { Backbone = "linear" }, TestCatalog.Context));
        StringAssert.Contains(n.Message, "not a sequence model");
        Assert.ThrowsExactly<KeyNotFoundException>(() => f.Create(new HmtConfig { Backbone = "no-such-model" }, TestCatalog.Context));
        var bad = Assert.ThrowsExactly<InvalidDataException>(() => f.ParseConfig(JsonNode.Parse("{\"segment_lenght\": 64}")));
        StringAssert.Contains(bad.Message, "segment_lenght");
        // no catalog (a context without plugins): the error says where the backbone is looked up
        var c = Assert.ThrowsExactly<InvalidOperationException>(() => f.Create(new HmtConfig { Backbone = "spy" }, ZooContext.Default));
        StringAssert.Contains(c.Message, "catalog");
    }

    [TestMethod]
    public void DataErrorsNameTheFileAndTheProblem()
    {
        var missing = Path.Combine(Path.GetTempPath(), "hmt-missing-" + Guid.NewGuid().ToString("N") + ".txt");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => new Zoo.Toolkit.Sequence.ByteText(missing));
        StringAssert.Contains(e.Message, missing);
        var tiny = Path.GetTempFileName();
        try
        {
            File.WriteAllText(tiny, "too short");
            var t = Assert.ThrowsExactly<InvalidDataException>(() => new Zoo.Toolkit.Sequence.ByteText(tiny));
            StringAssert.Contains(t.Message, tiny);
        }
        finally { File.Delete(tiny); }
        Assert.ThrowsExactly<ArgumentException>(() => new LongRangeRecall(10).Batch(2, 1, new Random(0)));
        Assert.ThrowsExactly<ArgumentException>(() => new LongRangeRecall(10, Keys: 40).Batch(2, 3, new Random(0)));
        Assert.ThrowsExactly<ArgumentException>(() => new HmtStage("x", 1, 0, 1, true).Validate());
    }

    [TestMethod]
    public void RecallTaskPutsTheKeyOnlyInTheFirstSegment()
    {
        using var scope = NewDisposeScope();
        var task = new LongRangeRecall(10, Keys: 8, QueryEverySegment: false);
        var (x, y) = task.Batch(64, 5, new Random(3));
        CollectionAssert.AreEqual(new long[] { 64, 50 }, x.shape);
        var scored = y.ne(-100);
        Assert.AreEqual(64L, scored.sum().item<long>(), "one query per sample");
        Assert.IsTrue(scored[.., 49].all().item<bool>(), "the query is the last token");
        Assert.IsTrue(x[.., 49].eq(LongRangeRecall.QueryMark).all().item<bool>());
        var keyMarks = x.eq(LongRangeRecall.KeyMark);
        Assert.AreEqual(64L, keyMarks[.., ..10].sum().item<long>());
        Assert.AreEqual(0L, keyMarks[.., 10..].sum().item<long>());
        // the answer never appears in the last segment's window (nor anywhere after the first segment)
        var answers = y[.., 49].unsqueeze(1);
        Assert.AreEqual(0L, x[.., 10..].eq(answers).sum().item<long>());
        var every = new LongRangeRecall(10, Keys: 8).Batch(4, 5, new Random(3)).Targets;
        Assert.AreEqual(16L, every.ne(-100).sum().item<long>(), "queries at the end of segments 1..4");
    }
}
