using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.HybridLinearAttention;
using Zoo.Plugins.Miras;
using Zoo.Toolkit.Sequence;

namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public sealed class HybridLmTests
{
    /// <summary>The catalog a host would give: Titans from the Miras plugin (its tiny preset has chunk 4).</summary>
    private static readonly ZooContext Ctx = ZooContext.For(new InMemoryCatalog().Add<TitansFactory>());

    private static HybridLmConfig Tiny(string mixer, int hybrid = 0, int layers = 2) => new() { DModel = 16, NumHeads = 2, NLayers = layers, Mixer = mixer, Hybrid = hybrid, ChunkSize = 8 };

    [TestMethod]
    [DataRow("attention")]
    [DataRow("gated-deltanet")]
    [DataRow("hgrn2")]
    [DataRow("titans:tiny")]
    public void MixersAreCausalAndCarryState(string mixer)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var m = Mixers.Create(mixer, Tiny(mixer), Ctx);
        var mem = (IMemoryModule)m;
        var x = randn(2, 16, 16);
        var full = MemoryChecks.CarriesState(mem, x, 8, 1e-5, mixer);
        Assert.AreEqual(16, mem.ModelDim);
        CollectionAssert.AreEqual(new long[] { 2, 16, 16 }, full.shape);
        MemoryChecks.IsCausal(m, x, full, 12, 1e-5, mixer);
    }

    [TestMethod]
    public void GatedDeltaNetLayerStepAndChunkModesAgree()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var chunk = new GatedDeltaNet(new GatedDeltaNetConfig { DModel = 16, NumHeads = 2, HeadDim = 8, ChunkSize = 5 });
        var step = new GatedDeltaNet(new GatedDeltaNetConfig { DModel = 16, NumHeads = 2, HeadDim = 8, Mode = "recurrent" });
        step.load_state_dict(chunk.state_dict());
        var x = randn(2, 23, 16);
        Close.Below(1e-5, Close.MaxAbs(chunk.forward(x), step.forward(x)), "chunk.forward(x) vs step.forward(x)");
        CollectionAssert.AreEquivalent(new[] { "q_proj.weight", "k_proj.weight", "v_proj.weight", "a_proj.weight", "b_proj.weight", "g_proj.weight", "o_proj.weight", "o_norm.weight", "A_log", "dt_bias", "q_conv1d.weight", "k_conv1d.weight", "v_conv1d.weight" },
            chunk.state_dict().Keys.ToArray());
    }

    [TestMethod]
    public void HybridRatioPlacesAttentionLayers()
    {
        using var scope = NewDisposeScope();
        CollectionAssert.AreEqual(new[] { "gated-deltanet", "gated-deltanet", "gated-deltanet", "attention" }, new HybridLM(Tiny("gated-deltanet", 3, 4)).LayerKinds.ToArray());
        CollectionAssert.AreEqual(new[] { "hgrn2", "attention", "hgrn2", "attention" }, new HybridLM(Tiny("hgrn2", 1, 4)).LayerKinds.ToArray());
        Assert.IsTrue(new HybridLM(Tiny("gated-deltanet", 0, 3)).LayerKinds.All(k => k == "gated-deltanet"));
        Assert.ThrowsExactly<ArgumentException>(() => new HybridLM(Tiny("no-such-mixer")));
    }

    [TestMethod]
    public void LmIsASequenceModelThatLearnsAndRoundTrips()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var cfg = Tiny("gated-deltanet", 1, 2);
        var model = new HybridLM(cfg);
        ISequenceModel seq = model;
        var tokens = randint(0, 256, [2, 24]);
        var logits = seq.Head(seq.ForwardEmbeddings(seq.Embed(tokens)));
        CollectionAssert.AreEqual(new long[] { 2, 24, 256 }, logits.shape);
        Close.Below(1e-6, Close.MaxAbs(logits, model.forward(tokens)), "logits vs model.forward(tokens)");
        // memorise one fixed batch: the loss must fall
        var y = tokens.roll(-1, 1);
        var curve = LmTrainer.Train(ZooContext.Default, model, _ => (tokens, y), 30, 1e-2, warmup: 1);
        Close.Below(0.7 * curve[0], curve[^1], $"loss {curve[0]} -> {curve[^1]}");
        // checkpoint round trip
        var dir = Path.Combine(Path.GetTempPath(), "zoo-hybrid-" + Guid.NewGuid().ToString("N"));
        try
        {
            var factory = new HybridLmFactory();
            Checkpoint.Save(dir, "hybrid-lm", "1.0.0", factory, cfg, model);
            var (loaded, _, _) = Checkpoint.Load(dir, factory);
            using var _ = no_grad();
            Close.Below(1e-6, Close.MaxAbs(((HybridLM)loaded).forward(tokens), model.forward(tokens)), "logits after reload");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void MqarBatchesPairQueriesWithTheirValues()
    {
        var task = new Mqar(Pairs: 4, Queries: 6, KeyVocab: 8, ValueVocab: 8);
        var (x, y) = task.Batch(2, new Random(0));
        CollectionAssert.AreEqual(new long[] { 2, 20 }, x.shape);
        for (int b = 0; b < 2; b++)
        {
            var row = x[b].data<long>().ToArray();
            var target = y[b].data<long>().ToArray();
            var map = Enumerable.Range(0, 4).ToDictionary(i => row[2 * i], i => row[2 * i + 1]);
            Assert.AreEqual(4, map.Count, "keys are distinct");
            Assert.IsTrue(map.Keys.All(k => k < 8) && map.Values.All(v => v is >= 8 and < 16));
            for (int j = 0; j < 6; j++)
            {
                var p = 8 + 2 * j;
                Assert.AreEqual(map[row[p]], target[p]);
                Assert.AreEqual(-100, target[p + 1]);
            }
            Assert.IsTrue(target[..8].All(t => t == -100));
        }
    }

    [TestMethod]
    public void CorpusErrorsNameTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-corpus.txt");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => new ByteText(missing));
        StringAssert.Contains(ex.Message, missing);
        var corpus = new ByteText(Path.Combine(Repo.Root, "data", "tinyshakespeare", "input.txt"));
        Assert.AreEqual(1115394, corpus.Train.Length + corpus.Validation.Length);
        var (x, y) = ByteText.Windows(corpus.Train, 2, 16, new Random(0));
        Assert.IsTrue(Close.MaxAbs(x[.., 1..], y[.., ..15]) == 0, "targets are the next bytes");
    }
}
