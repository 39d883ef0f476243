namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class RecipeTests
{
    [TestMethod]
    public void PresetsAreSmallestFirstAndAskForTheSpatialModelBySpec()
    {
        var f = new ViViTFactory();
        CollectionAssert.AreEqual(new[] { "tiny", "b" }, f.Presets.Select(p => p.Name).ToArray());
        Assert.AreEqual("vit:tiny", ((ViViTConfig)f.Preset("tiny")).SpatialModel);
        Assert.AreEqual("vit:b", ((ViViTConfig)f.Preset("b")).SpatialModel);
        var ctx = TestCatalog.Context();
        using var model = (FactorisedEncoderViViT)ctx.Catalog.Resolve("vivit:tiny").Build(ctx);
        Assert.AreEqual(64, ((IImageEncoder)model.Spatial).EmbeddingDim);
        Assert.IsNotNull(model.Config.SpatialConfig, "the built model carries its spatial model's full config");
    }

    [TestMethod]
    public void FlopsComeFromTheSpatialFactory()
    {
        var ctx = TestCatalog.Context();
        using var frozen = FactorisedEncoderViViT.Create(new ViViTConfig { NumFrames = 4, TemporalDepth = 1 }, ctx);
        using var full = FactorisedEncoderViViT.Create(TrainingRecipes.FullFineTuning(new ViViTConfig { NumFrames = 4, TemporalDepth = 1 }), ctx);
        double spatial = ViViTFlops.SpatialForward(frozen, ctx.Catalog);
        Close.Above(0, spatial, $"spatial FLOPs {spatial}");
        double a = ViViTFlops.TrainPerClip(frozen, ctx.Catalog), b = ViViTFlops.TrainPerClip(full, ctx.Catalog);
        Close.Below(b, a, "a frozen spatial encoder runs forward only");
        using var tiny = FactorisedEncoderViViT.Create(new ViViTConfig { SpatialModel = "tiny-encoder", TemporalInit = TemporalInit.Random }, ctx);
        Assert.IsTrue(double.IsNaN(ViViTFlops.SpatialForward(tiny, ctx.Catalog)), "a factory that cannot count FLOPs gives NaN");
    }

    [TestMethod]
    public void DemoRunsTheThreeRecipesAndKeepsThePretrainedEncoder()
    {
        var dir = RepoPaths.TempDir();
        var text = new StringWriter();
        try
        {
            var ctx = TestCatalog.Context() with { Output = new TextOutput(text) };
            torch.manual_seed(0);
            int rc = RecipeCommandLine.Invoke(new ViViTRecipes().Recipes, ["demo", "vivit", "--pretrain-steps", "2", "--train-clips", "16",
                "--test-clips", "8", "--steps", "2", "--timed-steps", "1", "--frames", "3", "--temporal-depth", "1", "--batch-size", "4", "-o", dir], ctx);
            Assert.AreEqual(0, rc, text.ToString());
            var info = Checkpoint.ReadInfo(Path.Combine(dir, "spatial_pretrained"));
            Assert.AreEqual("vit", info.Model);
            Assert.AreEqual(2, info.RequireSide<SpatialPretrainingReport>(SpatialPretrainingReport.Key).Steps);
            foreach (var recipe in new[] { "frozen+adapter", "full fine-tuning", "naive freezing" }) StringAssert.Contains(text.ToString(), recipe);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
