using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt.Tests;

[TestClass]
public sealed class HmtModelTests
{
    private static HmtConfig SpyConfig(int window = 12, int sensory = 2, int n = 100, bool recall = true, bool freeze = true) => new()
    {
        Backbone = "spy", SegmentLength = window, NumSensory = sensory, MemRecallContext = n, MemRecallHiddenDim = 6, UseRecall = recall, FreezeBackbone = freeze,
    };

    private static (HierarchicalMemoryTransformer Model, SpySequenceModel Spy) BuildSpy(HmtConfig cfg)
    {
        manual_seed(1);
        var model = (HierarchicalMemoryTransformer)new HmtFactory().Create(cfg, TestCatalog.Context);
        return (model, (SpySequenceModel)model.BackboneModule);
    }

    [TestMethod]
    public void SegmentationCoversTheSequenceInOrder()
    {
        using var scope = NewDisposeScope();
        var bounds = Segmentation.Bounds(100, 26);
        CollectionAssert.AreEqual(new[] { (0, 26), (26, 26), (52, 26), (78, 22) }, bounds.ToArray());
        CollectionAssert.AreEqual(new[] { (0, 5) }, Segmentation.Bounds(5, 26).ToArray());
        var x = arange(2 * 53, dtype: ScalarType.Int64).view(2, 53);
        var parts = Segmentation.Split(x, 10);
        Assert.AreEqual(6, parts.Count);
        CollectionAssert.AreEqual(new long[] { 10, 10, 10, 10, 10, 3 }, parts.Select(p => p.shape[1]).ToArray());
        Assert.IsTrue(cat(parts.ToArray(), 1).equal(x).all().item<bool>());
        Assert.ThrowsExactly<ArgumentException>(() => Segmentation.Bounds(10, 0));
        Assert.ThrowsExactly<ArgumentException>(() => Segmentation.Bounds(0, 4));
        Assert.ThrowsExactly<ArgumentException>(() => Segmentation.Split(arange(10), 4));
    }

    [TestMethod]
    public void BackbonePassesHaveTheWindowLayout()
    {
        using var scope = NewDisposeScope();
        // L = 12, k = 2: text block 8, summary reads round(8 * 0.5) = 4 tokens
        var (model, spy) = BuildSpy(SpyConfig());
        Assert.AreEqual(8, model.Config.TextBlock);
        var x = randint(3, 40, [2, 21]);   // segments of 8, 8, 5
        using (no_grad())
        {
            var logits = model.forward(x);
            CollectionAssert.AreEqual(new long[] { 2, 21, 40 }, logits.shape);
        }
        // segment 0: [m_init, 8 text, m_init] (no sensory, no recall); segment 1: summary [T, 4, T] then [P, 2 sensory, 8, P];
        // segment 2 (5 tokens): summary [T, 4, T] then [P, 2, 5, P]
        CollectionAssert.AreEqual(new long[] { 10, 6, 12, 6, 9 }, spy.PassLengths.ToArray());
        Assert.IsTrue(spy.PassLengths.All(l => l <= model.Config.SegmentLength));
    }

    [TestMethod]
    public void SensoryMemoryIsTheLastTokensOfThePreviousSegment()
    {
        using var scope = NewDisposeScope();
        var (model, _) = BuildSpy(SpyConfig(sensory: 3));
        var x = randint(3, 40, [2, 14]);
        var state = model.InitialState(2);
        var o = model.ForwardSegment(x[.., ..7], state);
        Assert.IsTrue(o.State["sensory"].equal(x[.., 4..7]).all().item<bool>());
        Assert.AreEqual(0L, state["sensory"].shape[1]);
    }

    [TestMethod]
    public void CacheKeepsTheLastNMemoryEmbeddings()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (model, spy) = BuildSpy(SpyConfig(n: 3));
        var x = randint(3, 40, [2, 7 * 8]);
        var state = model.InitialState(2);
        var written = new List<Tensor>();
        foreach (var seg in Segmentation.Split(x, model.Config.TextBlock))
        {
            var o = model.ForwardSegment(seg, state);
            written.Add(o.Written);
            state = o.State;
            CollectionAssert.AreEqual(new long[] { 2, Math.Min(written.Count, 3), spy.ModelDim }, state["cache"].shape);
        }
        Assert.AreEqual(7, written.Count);
        Assert.IsTrue(state["cache"].equal(cat(written.Skip(4).ToArray(), 1)).all().item<bool>(), "the cache must hold the last N written memories, oldest first");
        // N larger than the number of segments: everything is kept
        var (big, _) = BuildSpy(SpyConfig(n: 100));
        Assert.AreEqual(7L, big.Forward(x).State["cache"].shape[1]);
    }

    [TestMethod]
    public void RecallAttentionShapesAndWeights()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (model, spy) = BuildSpy(SpyConfig(n: 4));
        var x = randint(3, 40, [3, 6 * 8]);
        var state = model.InitialState(3);
        var segs = Segmentation.Split(x, 8);
        for (int i = 0; i < segs.Count; i++)
        {
            var o = model.ForwardSegment(segs[i], state);
            if (i == 0) Assert.IsNull(o.RecallWeights, "no recall for the first segment (empty cache)");
            else
            {
                CollectionAssert.AreEqual(new long[] { 3, 1, Math.Min(i, 4) }, o.RecallWeights!.shape);
                Close.Below(1e-5, Close.MaxAbs(o.RecallWeights.sum(-1), ones(3, 1)), "recall weights are a softmax");
            }
            CollectionAssert.AreEqual(new long[] { 3, 1, spy.ModelDim }, o.Written.shape);
            state = o.State;
        }
        // stage 1 (recall off): no recall weights, the previous memory is read directly
        model.UseRecall = false;
        var s1 = model.ForwardSegment(segs[0], model.InitialState(3)).State;
        Assert.IsNull(model.ForwardSegment(segs[1], s1).RecallWeights);
    }

    [TestMethod]
    public void StreamingMatchesTheFullForward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (model, _) = BuildSpy(SpyConfig(n: 3));
        var x = randint(3, 40, [2, 45]);
        var (logits, state) = model.Forward(x);
        var streamed = new List<Tensor>();
        using var final = model.Stream(x, (i, o) => streamed.Add(o.Logits.clone().MoveToOuterDisposeScope()));
        Assert.AreEqual(6, streamed.Count);
        Close.Below(1e-6, Close.MaxAbs(cat(streamed.ToArray(), 1), logits), "streamed logits vs one call");
        Close.Below(1e-6, Close.MaxAbs(final["cache"], state["cache"]), "final[\"cache\"] vs state[\"cache\"]");
        CollectionAssert.AreEqual(new long[] { 2, 3, 8 }, final["cache"].shape);
    }

    [TestMethod]
    public void CrossAttentionMemoryMatchesTheEquation()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var ca = new CrossAttentionMemory(4, 3);
        var m = randn(2, 5, 4);
        var q = randn(2, 1, 4);
        var (p, a) = ca.Recall(m, q);
        var sd = ca.state_dict();
        CollectionAssert.AreEquivalent(new[] { "wq.weight", "wk.weight" }, sd.Keys.ToArray());
        var (wq, wk) = (sd["wq.weight"], sd["wk.weight"]);
        for (int b = 0; b < 2; b++)
        {
            var qb = wq.matmul(q[b, 0]);                                   // [3]
            var kb = m[b].matmul(wk.t());                                  // [5, 3]
            var expected = (kb.matmul(qb) / Math.Sqrt(3)).softmax(0);     // [5]
            Close.Below(1e-6, Close.MaxAbs(a[b, 0], expected), "a[b, 0] vs expected");
            Close.Below(1e-6, Close.MaxAbs(p[b, 0], expected.matmul(m[b])), "values are the raw cached memories");
        }
        CollectionAssert.AreEqual(new long[] { 2, 1, 4 }, p.shape);
        Assert.ThrowsExactly<ArgumentException>(() => ca.Recall(randn(2, 0, 4), q));
        Assert.ThrowsExactly<ArgumentException>(() => ca.Recall(m, randn(2, 2, 4)));
        Assert.ThrowsExactly<ArgumentException>(() => ca.Recall(randn(2, 5, 3), q));
    }

    [TestMethod]
    public void LogitsAreCausalAcrossSegmentsAndMemoryCarriesInformation()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (model, _) = BuildSpy(SpyConfig());
        var x = randint(3, 40, [2, 32]);
        var full = model.forward(x);
        var x2 = x.clone(); x2[.., 24..] = randint(3, 40, [2, 8]);
        Close.Below(1e-6, Close.MaxAbs(model.forward(x2)[.., ..24], full[.., ..24]), "later segments must not change earlier logits");
        var x3 = x.clone(); x3[.., 0] = (x3[.., 0] - 3 + 1) % 37 + 3;   // change the first token only
        Close.Above(1e-6, Close.MaxAbs(model.forward(x3)[.., 24..], full[.., 24..]), "the first segment must reach the last one through memory");
    }

    [TestMethod]
    public void WorksAroundTheHybridLmFromTheCatalog()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(2);
        var cfg = new HmtConfig { Backbone = "hybrid-lm", BackboneConfig = TestCatalog.TinyHybrid("gated-deltanet"), SegmentLength = 16, NumSensory = 4, MemRecallHiddenDim = 8 };
        var model = (HierarchicalMemoryTransformer)new HmtFactory().Create(cfg, TestCatalog.Context);
        Assert.AreEqual(16, model.Backbone.ModelDim);
        var logits = model.forward(randint(0, 256, [2, 40]));
        CollectionAssert.AreEqual(new long[] { 2, 40, 256 }, logits.shape);
        Close.AllFinite(logits, "logits");
        // state_dict keys follow HMT-pytorch: memory_cell.model.* (backbone), memory_cell.memory, mem, cross_attn.wq/wk
        var keys = model.state_dict().Keys.ToList();
        CollectionAssert.IsSubsetOf(new[] { "memory_cell.memory", "mem", "cross_attn.wq.weight", "cross_attn.wk.weight", "memory_cell.model.embeddings.weight" }, keys);
    }

    [TestMethod]
    public void CheckpointRoundTripThroughTheFactory()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var cfg = SpyConfig() with { BackboneConfig = new System.Text.Json.Nodes.JsonObject { ["dim"] = 6 } };
        var (model, _) = BuildSpy(cfg);
        var dir = Path.Combine(Path.GetTempPath(), "hmt-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var factory = new HmtFactory();
            Checkpoint.Save(dir, "hmt", "1.0.0", factory, cfg, model);
            var (loaded, loadedCfg, _) = Checkpoint.Load(dir, factory, TestCatalog.Context);
            Assert.AreEqual(6, ((HmtConfig)loadedCfg).BackboneConfig!["dim"]!.GetValue<int>());
            var x = randint(3, 40, [2, 30]);
            Close.Below(1e-6, Close.MaxAbs(((HierarchicalMemoryTransformer)loaded).forward(x), model.forward(x)), "logits after reload");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void TruncatedBaselineSeesOnlyItsWindow()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(4);
        var bb = new SpySequenceModel();
        var x = randint(3, 40, [2, 30]);
        var logits = HmtEvaluation.TruncatedBackboneLogits(bb, x, window: 12, block: 8);
        CollectionAssert.AreEqual(new long[] { 2, 30, 40 }, logits.shape);
        // block 2 (tokens 16..23) is read with the 4 tokens before it: window [12, 24)
        var direct = MultiStageTraining.BackboneLogits(bb, x[.., 12..24])[.., 4..];
        Close.Below(1e-6, Close.MaxAbs(logits[.., 16..24], direct), "logits[.., 16..24] vs direct");
        // anything before the window has no effect
        var x2 = x.clone(); x2[.., ..12] = randint(3, 40, [2, 12]);
        Close.Below(1e-6, Close.MaxAbs(HmtEvaluation.TruncatedBackboneLogits(bb, x2, 12, 8)[.., 16..24], logits[.., 16..24]), "truncated backbone logits for tokens 16..24");
        CollectionAssert.AreEqual(new long[] { 8, 12, 12, 10 }, bb.PassLengths.Take(4).ToArray(), "pass lengths: the first block has no context, later ones L");
    }
}
