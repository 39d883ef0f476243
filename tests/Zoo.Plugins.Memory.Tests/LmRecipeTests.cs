using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Hosting;
using Zoo.Plugins.HybridLinearAttention;
using Zoo.Plugins.Miras;

namespace Zoo.Plugins.Memory.Tests;

/// <summary>The README command lines of train/eval hybrid-lm (alias lm) and bench memory, bound as the zoo host binds them.</summary>
[TestClass]
public sealed class LmRecipeTests
{
    private static readonly ZooContext Ctx = ZooContext.For(new InMemoryCatalog().Add<HybridLmFactory>().Add<TitansFactory>())
        with { Output = new TextOutput(TextWriter.Null) };

    [TestMethod]
    public void TrainThenEvalThroughTheOldSpellings()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zoo-lm-recipe-" + Guid.NewGuid().ToString("N"));
        try
        {
            var recipes = new HybridRecipes().Recipes.ToList();
            string[] model = ["--layers", "2", "--d-model", "16", "--heads", "2", "--steps", "3", "--batch", "4", "--pairs", "2", "--vocab", "4"];
            Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes,
                ["train", "lm", "--task", "mqar", "--mixer", "titans:tiny", "--hybrid", "1", .. model, "--out", dir, "--threads", "1"], Ctx));
            var info = Checkpoint.ReadInfo(dir);
            var run = info.RequireSide<LmRunSummary>(LmRunSummary.Key);
            Assert.AreEqual("mqar", run.Task);
            Close.AtLeast(0, run.MqarRecall!.Value, "MQAR recall");
            Close.AtMost(1, run.MqarRecall.Value, "MQAR recall");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "loss.png")));
            Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes, ["eval", "hybrid-lm", "--checkpoint", dir, "--task", "mqar", "--pairs", "2", "--vocab", "4"], Ctx));
            Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes,
                ["eval", "hybrid-lm", "--suite", "mqar", "--mixers", "attention", "--ratios", "", .. model, "--out", Path.Combine(dir, "t.md")], Ctx));
            StringAssert.Contains(File.ReadAllText(Path.Combine(dir, "t.md")), "pure attention");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void OptionsBindWithPresetsAndAliases()
    {
        var train = new HybridRecipes().Recipes.First(r => r.Verb == "train" && r.Model == "hybrid-lm");
        var (common, options) = RecipeCommandLine.Bind(train, ["--seq_len", "64", "--batch", "8"]);
        Assert.AreEqual(8, common.BatchSize);
        var lm = (LmOptions)options;
        Assert.AreEqual(64, lm.SeqLen);
        var cfg = lm.ModelConfig(common with { Preset = "tiny" });
        Assert.AreEqual(16, cfg.DModel);
        Assert.AreEqual(4, lm.ModelConfig(common).NLayers, "no preset: the old defaults (4 layers, d_model 64)");
        var bench = new HybridRecipes().Recipes.Single(r => r.Verb == "bench" && r.Model == "memory");
        var (bc, bo) = RecipeCommandLine.Bind(bench, ["--lengths", "32", "--modules", "attention", "--threads", "1", "--budget", "40", "--out", "b.md"]);
        Assert.AreEqual(1, bc.Threads);
        Assert.AreEqual(40, ((BenchMemoryOptions)bo).Budget);
    }
}
