using Zoo.Core.Checkpoints;
using Zoo.Core.Fixtures;

namespace Zoo.Plugins.Tnt.Tests;

[TestClass]
public sealed class TntModelTests
{
    private static (IReadOnlyDictionary<string, double> Errors, int Entries, long Params) Verify(string file)
    {
        using var fixture = ParityFixture.Load(RepoPaths.Fixture(file));
        var factory = new TntFactory();
        var config = factory.FixtureConfig(fixture);
        using var model = factory.CreateModel(config);
        StateDict.Load(model, fixture.Weights, fixture.Path, strict: true);
        var outputs = factory.RunFixture(model, fixture);
        var errors = fixture.Compare(outputs);
        foreach (var t in outputs.Values) t.Dispose();
        return (errors, model.state_dict().Count, model.parameters().Sum(p => p.numel()));
    }

    /// <summary>The fixture's state_dict size and parameter count, and every output within 1e-4 of timm's.</summary>
    private static IReadOnlyDictionary<string, double> AssertMatchesTimm(string file, int entries, long parameters)
    {
        var (errors, n, nParams) = Verify(file);
        Assert.AreEqual(entries, n);
        Assert.AreEqual(parameters, nParams);
        foreach (var (name, err) in errors)
        {
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(file)} {name}: max abs error {err:E3}");
            Close.Below(1e-4, err, $"{name}: {err}");
        }
        return errors;
    }

    [TestMethod]
    public void DefaultFixtureMatchesTimm() => Assert.HasCount(3, AssertMatchesTimm("tnt.safetensors", 73, 161_738));

    [TestMethod]
    public void LegacyFixtureMatchesTimm() => AssertMatchesTimm("tnt_legacy.safetensors", 71, 160_650);

    [TestMethod]
    public void LayoutsDifferForTheSameWeights()
    {
        // Pitfall 1 of the digest: the two stems give different words for the same conv weights.
        torch.manual_seed(1);
        using var a = new TransformerInTransformer(TntConfig.Tiny());
        torch.manual_seed(1);
        using var b = new TransformerInTransformer(TntConfig.Tiny(legacy: true));
        using var x = torch.randn(1, 3, 32, 32);
        using var _ = torch.no_grad();
        using var wa = a.PixelEmbedding(x);
        using var wb = b.PixelEmbedding(x);
        CollectionAssert.AreEqual(new long[] { 16, 16, 16 }, wa.shape);
        Assert.IsFalse(wa.allclose(wb, 1e-5, 1e-5));
    }

    [TestMethod]
    public void WordAndSentenceShapesFollowTheConfig()
    {
        // 48x48 image, 16x16 patches -> 9 sentences; stride 4 -> 4x4 = 16 words of width 8.
        var cfg = new TntConfig { ImgSize = 48, PatchSize = 16, EmbedDim = 32, InnerDim = 8, Depth = 1, NumHeadsInner = 2, NumHeadsOuter = 4, NumClasses = 5, FirstStride = 4 };
        torch.manual_seed(0);
        using var m = new TransformerInTransformer(cfg);
        m.eval();
        using var _ = torch.no_grad();
        using var x = torch.randn(3, 3, 48, 48);
        using var words = m.PixelEmbedding(x);
        CollectionAssert.AreEqual(new long[] { 27, 16, 8 }, words.shape);
        using var s = m.InitialSentences(words, 3);
        CollectionAssert.AreEqual(new long[] { 3, 10, 32 }, s.shape);
        using var f = m.ForwardFeatures(x);
        CollectionAssert.AreEqual(new long[] { 3, 10, 32 }, f.shape);
        using var e = m.Encode(x);
        CollectionAssert.AreEqual(new long[] { 3, 32 }, e.shape);
        Assert.IsTrue(e.allclose(f.select(1, 0)));
        using var y = m.Classify(x);
        CollectionAssert.AreEqual(new long[] { 3, 5 }, y.shape);
        // Odd patch / stride: ceil(10/4) = 3 words per side.
        Assert.AreEqual(9, (new TntConfig { PatchSize = 10, FirstStride = 4 }).NumWords);
    }

    [TestMethod]
    public void EachPatchsWordsSeeOnlyTheirPatch()
    {
        // Default layout: the conv runs on each patch separately, so changing pixels of patch 0 changes only sentence 0's words.
        torch.manual_seed(3);
        using var m = new TransformerInTransformer(TntConfig.Tiny());
        m.eval();
        using var _ = torch.no_grad();
        using var x = torch.randn(1, 3, 32, 32);
        using var x2 = x.clone();
        x2[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 8), TensorIndex.Slice(0, 8)] = torch.randn(1, 3, 8, 8);
        using var w1 = m.PixelEmbedding(x);
        using var w2 = m.PixelEmbedding(x2);
        using var diff = (w1 - w2).abs().sum([1, 2]);
        Close.Above(1e-3, diff[0].item<float>());
        Close.Within(0f, diff.narrow(0, 1, 15).max().item<float>(), 0);
    }

    [TestMethod]
    public void InnerToOuterProjectionSkipsTheClassToken()
    {
        // Eq. 5: only patch tokens receive FC(Vec(Y)); patch p's increment depends on patch p's words only.
        torch.manual_seed(4);
        var cfg = TntConfig.Tiny() with { Depth = 1 };
        using var m = new TransformerInTransformer(cfg);
        m.eval();
        using var _ = torch.no_grad();
        var block = m.named_modules().Select(kv => kv.module).OfType<TntBlock>().Single();
        using var words = torch.randn(2 * 16, 16, 16);
        using var inc = block.ProjectWords(words, 2);
        CollectionAssert.AreEqual(new long[] { 2, 16, 64 }, inc.shape);
        // Default layout ends with LN(d): each projected token has zero mean / unit variance before its affine
        // transform, so with the initial affine (1, 0) the per-token mean is 0.
        Close.Below(1e-4, inc.mean([-1]).abs().max().item<float>());
        // The projection of patch p depends only on the words of patch p.
        using var words2 = words.clone();
        words2.select(0, 5).copy_(torch.randn(16, 16));
        using var inc2 = block.ProjectWords(words2, 2);
        using var d = (inc - inc2).abs().sum([-1]);   // [2, 16]
        Close.Above(1e-3, d[0, 5].item<float>());
        Close.Within(0f, d[1].max().item<float>(), 0);
        // The class token is passed through; every patch token moves.
        using var sentences = torch.randn(2, 17, 64);
        using var after = block.AddProjectedWords(words, sentences);
        Close.Within(0f, (after.select(1, 0) - sentences.select(1, 0)).abs().max().item<float>(), 0);
        Assert.IsTrue(after.narrow(1, 1, 16).allclose(sentences.narrow(1, 1, 16) + inc, 1e-6, 1e-6));
    }

    [TestMethod]
    public void PresetsHaveThePapersParameterCounts()
    {
        // Paper Table 1 / digest: TNT-S 23.77M (legacy 23.76M), TNT-B 65.43M parameters with 1000 classes.
        using var s = new TransformerInTransformer(TntConfig.TntS());
        double ps = s.parameters().Sum(p => p.numel()) / 1e6;
        Close.Within(23.77, ps, 0.01);
        Assert.AreEqual(197, s.state_dict()["patch_pos"].shape[1]);
        using var sl = new TransformerInTransformer(TntConfig.TntS(legacy: true));
        Close.Within(23.76, sl.parameters().Sum(p => p.numel()) / 1e6, 0.01);
    }

    [TestMethod]
    public void TntBPresetHasThePapersParameterCount()
    {
        using var b = new TransformerInTransformer(TntConfig.TntB());
        Close.Within(65.43, b.parameters().Sum(p => p.numel()) / 1e6, 0.01);
    }

    [TestMethod]
    public void WrongInputShapeIsAClearError()
    {
        using var m = new TransformerInTransformer(TntConfig.Tiny());
        using var x = torch.randn(1, 3, 16, 16);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => m.forward(x));
        StringAssert.Contains(ex.Message, "[B, 3, 32, 32]");
        Assert.ThrowsExactly<InvalidDataException>(() => new TransformerInTransformer(TntConfig.Tiny() with { EmbedDim = 65 }));
    }

    [TestMethod]
    public void UnknownConfigFieldIsRejected()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("{\"img_size\": 32, \"patch_sizee\": 8}");
        Assert.ThrowsExactly<InvalidDataException>(() => new TntFactory().ParseConfig(node));
    }
}

[TestClass]
public sealed class TntInitTests
{
    [TestMethod]
    public void LinearWeightsAreNormalWithStd002()
    {
        // timm init (trunc_normal std .02); guards against an init that yields only +-std (seen with TorchSharp's trunc_normal_).
        torch.manual_seed(0);
        using var m = new TransformerInTransformer(TntConfig.Tiny());
        var w = m.state_dict()["blocks.0.mlp.fc1.weight"];
        Close.Within(0.02, w.std().item<float>(), 0.002);
        Assert.IsGreaterThan(100, w.abs().unique().Item1.numel());
        Close.Within(0f, m.state_dict()["blocks.0.mlp.fc1.bias"].abs().sum().item<float>(), 0, "fc1 bias");
    }
}
