using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Hosting;

namespace Zoo.Plugins.Hmt.Tests;

/// <summary>train/eval hmt from the command line, as the zoo host binds it, around the spy backbone.</summary>
[TestClass]
public sealed class HmtRecipeTests
{
    [TestMethod]
    public void TrainThenEvalRecall()
    {
        var ctx = TestCatalog.Context with { Output = new TextOutput(TextWriter.Null) };
        var dir = Path.Combine(Path.GetTempPath(), "zoo-hmt-recipe-" + Guid.NewGuid().ToString("N"));
        try
        {
            var recipes = new HmtRecipes().Recipes.ToList();
            string[] eval = ["--recall-segments", "2,3", "--eval-sequences", "4", "--keys", "4"];
            Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes,
            [
                "train", "hmt", "--backbone", "spy", "--backbone-config", "{\"vocab_size\":128}", "--task", "recall", "--window", "12", "--sensory", "2", "--recall-dim", "8", "--train-backbone",
                "--pretrain-steps", "2", "--stage1-steps", "2", "--stage1-segments", "2", "--stage2-steps", "2", "--stage2-segments", "3",
                "--stage2-unroll", "3", "--batch", "4", "--lr", "3e-3", .. eval, "--out", dir,
            ], ctx));
            foreach (var f in new[] { "hmt/config.json", "backbone/config.json", "report.md", "loss.png" })
                Assert.IsTrue(File.Exists(Path.Combine(dir, f)), f);
            var run = Checkpoint.ReadInfo(Path.Combine(dir, "hmt")).RequireSide<HmtRunSummary>(HmtRunSummary.Key);
            Assert.AreEqual("recall", run.Task);
            Assert.AreEqual(2, run.Results.Count);
            Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes, ["eval", "hmt", "--checkpoint", dir, .. eval, "--out", Path.Combine(dir, "e.md")], ctx));
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, "e.md")), "recall, key 1 segment(s) back");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ABareHybridLmBackbone_KeepsItsOldMeaning_TwoAttentionLayers()
    {
        var (common, options) = RecipeCommandLine.Bind(new TrainHmtRecipe(), ["--backbone", "hybrid-lm"]);
        Assert.AreEqual("hybrid-lm:attention-2l", ((HmtOptions)options).Config(common).Backbone);
        (common, options) = RecipeCommandLine.Bind(new TrainHmtRecipe(), ["--backbone", "hybrid-lm", "--backbone-config", "{\"n_layers\":1}"]);
        Assert.AreEqual("hybrid-lm", ((HmtOptions)options).Config(common).Backbone, "with a config of its own, the name means the model's defaults");
    }

    [TestMethod]
    public void BackboneIsASpecWithPresetAndOverrides()
    {
        var (common, options) = RecipeCommandLine.Bind(new TrainHmtRecipe(), ["--backbone-config", "{\"n_layers\":1}", "--batch", "8"]);
        var cfg = ((HmtOptions)options).Config(common);
        Assert.AreEqual("hybrid-lm:attention-2l", cfg.Backbone);
        Assert.AreEqual(64, cfg.SegmentLength);
        Assert.AreEqual(8, common.BatchSize);
        using var model = (HierarchicalMemoryTransformer)new HmtFactory().Create(cfg with { SegmentLength = 16, NumSensory = 2 }, TestCatalog.Context);
        Assert.AreEqual(64, model.Backbone.ModelDim);
        Assert.AreEqual(1, model.BackboneModule.modules().Count(m => m.GetType().Name == "CausalSelfAttention"));
    }
}
