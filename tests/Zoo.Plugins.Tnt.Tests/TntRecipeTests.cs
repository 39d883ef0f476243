namespace Zoo.Plugins.Tnt.Tests;

/// <summary>Named presets, the recipes' option names (old spellings included) and the bench's ViT taken from the catalog.</summary>
[TestClass]
public sealed class TntRecipeTests
{
    [TestMethod]
    public void PresetsAreNamedSmallestFirst()
    {
        var f = new TntFactory();
        CollectionAssert.AreEqual(new[] { "micro", "tiny", "tiny_legacy", "s", "s_legacy", "b", "b_legacy" }, f.Presets.Select(p => p.Name).ToArray());
        Assert.AreEqual(TntConfig.Tiny(), f.Preset("tiny"));
        Assert.AreEqual(TntConfig.TntS(legacy: true), f.Preset("s_legacy"));
        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => f.Preset("xl"));
        StringAssert.Contains(ex.Message, "tiny, tiny_legacy, s");
        var resolved = new InMemoryCatalog().Add<TntFactory>().Resolve("tnt:tiny", new System.Text.Json.Nodes.JsonObject { ["depth"] = 1 });
        Assert.AreEqual(1, ((TntConfig)resolved.Config).Depth);
    }

    [TestMethod]
    public void OldOptionSpellingsBind()
    {
        var train = new TntRecipes().Recipes.Single(r => r.Verb == "train");
        var (common, o) = RecipeCommandLine.Bind(train, ["--data", "d", "--preset", "s", "--val-fraction", "0.3", "--img-size", "64", "--weight-decay", "0.1",
            "--bad-images", "reject", "--batch-size", "8", "--lr", "2e-3", "--epochs", "3", "--seed", "5", "-o", "out", "--flip"]);
        var t = (ImageTrainRecipeOptions)o;
        Assert.AreEqual("s", common.Preset);
        Close.Within(0.3, t.ValFraction, 0, "ValFraction");
        Assert.AreEqual(64, t.ImgSize);
        Close.Within(0.1, t.WeightDecay, 0, "WeightDecay");
        Assert.AreEqual("reject", t.BadImages);
        Assert.IsTrue(t.Flip);
        Assert.AreEqual(8, common.BatchSize);
        Assert.AreEqual("out", common.Out);
        var demo = new TntRecipes().Recipes.Single(r => r.Verb == "demo");
        var (_, d) = RecipeCommandLine.Bind(demo, ["--demo-threads", "2", "--epochs", "1"]);
        Assert.AreEqual(2, ((ImageDemoOptions)d).DemoThreads);
        var eval = new TntRecipes().Recipes.Single(r => r.Verb == "eval");
        var (ec, e) = RecipeCommandLine.Bind(eval, ["-c", "ck", "--confusion", "x.png", "--split", "all"]);
        Assert.AreEqual("ck", ec.Checkpoint);
        Assert.AreEqual("all", ((ImageEvalOptions)e).Split);
        CollectionAssert.AreEquivalent(new[] { "train", "eval", "predict", "embed", "demo", "bench" }, new TntRecipes().Recipes.Select(r => r.Verb).ToArray());
    }

    [TestMethod]
    public void BenchComparesWithTheCatalogsVit()
    {
        var log = new StringWriter();
        var ctx = new ZooContext { Catalog = new InMemoryCatalog().Add<TntFactory>().Add<VitFactory>(), Output = new TextOutput(log) };
        var models = TntRecipes.BenchModels(ctx, new CommonOptions { Preset = "tiny" }, new ImageBenchOptions { Classes = 7 });
        CollectionAssert.AreEqual(new[] { "tnt:tiny", "vit:tiny" }, models.Select(m => m.Label).ToArray());
        using var tnt = (TransformerInTransformer)models[0].Factory.CreateModel(models[0].Config, ctx);
        using var vit = (VisionTransformer)models[1].Factory.CreateModel(models[1].Config, ctx);
        Assert.AreEqual(7, tnt.NumClasses);
        Assert.AreEqual(7, vit.NumClasses);
        // The same outer transformer: width, depth, patches.
        Assert.AreEqual(tnt.Config.EmbedDim, vit.Config.EmbedDim);
        Assert.AreEqual(tnt.Config.Depth, vit.Config.Depth);
        Assert.AreEqual(tnt.Config.NumPatches, vit.Config.NumPatches);
        Close.Above(models[1].Factory.ForwardFlopsPerImage(models[1].Config), models[0].Factory.ForwardFlopsPerImage(models[0].Config));
        // Without the vit plugin the bench runs TNT alone and says why.
        var alone = TntRecipes.BenchModels(ctx with { Catalog = new InMemoryCatalog().Add<TntFactory>() }, new CommonOptions(), new ImageBenchOptions());
        Assert.HasCount(1, alone);
        StringAssert.Contains(log.ToString(), "no ViT to compare with");
    }

    [TestMethod]
    public void VitHasFewerParametersThanTntOfTheSameOuterShape()
    {
        // The ViT baseline is TNT minus the inner transformer and its projections.
        torch.manual_seed(0);
        using var vit = new VisionTransformer(new VitConfig { ImgSize = 32, PatchSize = 8, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4, QkvBias = false });
        using var tnt = new TransformerInTransformer(TntConfig.Tiny());
        Assert.IsLessThan(tnt.parameters().Sum(p => p.numel()), vit.parameters().Sum(p => p.numel()));
    }
}
