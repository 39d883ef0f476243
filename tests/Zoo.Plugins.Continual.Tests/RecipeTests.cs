using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using System.Text.Json.Nodes;
using Zoo.Core.Checkpoints;
using Zoo.Hosting;
using Zoo.Plugins.ContinualBaselines;
using Zoo.Plugins.Ssd;

namespace Zoo.Plugins.Continual.Tests;

/// <summary>The host verbs <c>zoo continual LEARNER</c> and <c>zoo forget UNLEARNER</c>, bound by the host's command line.</summary>
[TestClass]
public sealed class RecipeTests
{
    private static IReadOnlyList<IZooRecipe> Recipes => ContinualRecipes.FromCatalog(TestSupport.Catalog).ToList();

    [TestMethod]
    public void FromCatalog_OneRecipePerLearnerAndUnlearner_WithComposedOptions()
    {
        var recipes = Recipes;
        CollectionAssert.IsSubsetOf(new[] { "finetune", "joint", "replay", "k-fpf", "reglora", "coda-prompt", "mos" },
            recipes.Where(r => r.Verb == ZooVerbs.Continual).Select(r => r.Model).ToArray());
        CollectionAssert.AreEquivalent(new[] { "ssd", "gs-lora", "random-label" },
            recipes.Where(r => r.Verb == ZooVerbs.Forget).Select(r => r.Model).ToArray());
        var replay = recipes.Single(r => r.Model == "replay");
        var props = replay.OptionsType.GetProperties().ToDictionary(p => p.Name);
        foreach (var name in new[] { "Model", "Backbone", "Benchmark", "TaskIncremental", "Save", "Memory" }) Assert.IsTrue(props.ContainsKey(name), name);
        StringAssert.Contains(((DescriptionAttribute)Attribute.GetCustomAttribute(props["Memory"], typeof(DescriptionAttribute))!).Description, "buffer");
        Assert.AreEqual(200, props["Memory"].GetValue(Activator.CreateInstance(replay.OptionsType)));
        // every recipe's options bind on the host's command line (no clash with the common options or between parts)
        foreach (var r in recipes) Assert.IsInstanceOfType<ComposedOptions>(RecipeCommandLine.Bind(r, []).Options, $"{r.Verb} {r.Model}");
    }

    [TestMethod]
    public void Bind_TypedLearnerOptions_SetPairs_AndOldSpellings()
    {
        var replay = Recipes.Single(r => r.Model == "replay");
        var (common, options) = RecipeCommandLine.Bind(replay, ["--memory", "50", "--benchmark", "split-digits-task", "--model", "vit:tiny", "-o", "out"]);
        var o = (ComposedOptions)options;
        Assert.AreEqual(50, o.Part<ReplayOptions>().Memory);
        Assert.AreEqual("split-digits-task", o.Part<ContinualRunOptions>().Benchmark);
        Assert.AreEqual("vit:tiny", o.Part<ContinualRunOptions>().Model);
        Assert.AreEqual("out", common.Out);
        // --set memory=60 (the old learner extra) lands on the typed record; other keys stay backbone config overrides.
        (common, options) = RecipeCommandLine.Bind(replay, ["--set", "memory=60", "--set", "depth=1"]);
        Assert.AreEqual(60, ((ComposedOptions)options).Part<ReplayOptions>().Memory);
        Assert.AreEqual(1, common.Overrides!["depth"]!.GetValue<int>());
        // SSD keeps --set batch_size=N for its importance pass without clashing with the common --batch-size.
        var ssd = Recipes.Single(r => r.Model == "ssd");
        (common, options) = RecipeCommandLine.Bind(ssd, ["-c", "ckpt", "--classes", "3;7", "--set", "batch_size=64", "--set", "alpha=5", "--batch-size", "16"]);
        var so = ((ComposedOptions)options).Part<SsdOptions>();
        Assert.AreEqual(64, so.BatchSize);
        Close.Within(5.0, so.Alpha, 0, "alpha");
        Assert.AreEqual(16, common.BatchSize);
        Assert.AreEqual("3;7", ((ComposedOptions)options).Part<UnlearningRunOptions>().Classes);
        // --config FILE (a backbone config JSON, as before) is the common --config-file.
        var json = Path.Combine(Path.GetTempPath(), $"cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(json, "{\"depth\": 1}");
        try { Assert.AreEqual(1, RecipeCommandLine.Bind(replay, ["--config", json]).Common.Overrides!["depth"]!.GetValue<int>()); }
        finally { File.Delete(json); }
        // Direct callers: overrides given in code are mapped the same way.
        var rest = OptionOverrides.Apply(new JsonObject { ["memory"] = "70", ["ensemble"] = 0, ["depth"] = 2 }, new ReplayOptions(),
            new Zoo.Plugins.Mos.MosOptions());
        CollectionAssert.AreEqual(new[] { "depth" }, rest!.Select(k => k.Key).ToArray());
    }

    [TestMethod]
    public void ContinualThenForget_EndToEnd_WritesReportsHeatmapAndEditedCheckpoint()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"zoo-continual-{Guid.NewGuid():N}");
        try
        {
            var out1 = Path.Combine(dir, "run");
            var ckpt = Path.Combine(dir, "ckpt");
            int rc = RecipeCommandLine.Invoke(Recipes, ["continual", "joint", "--model", "vit:tiny", "--epochs", "1", "--data", TestSupport.DigitsPath,
                "-o", out1, "--save", ckpt], TestSupport.Context);
            Assert.AreEqual(0, rc);
            foreach (var f in new[] { "accuracy_matrix.csv", "summary.md", "accuracy_matrix.png" }) Assert.IsTrue(File.Exists(Path.Combine(out1, f)), f);
            AssertPng(Path.Combine(out1, "accuracy_matrix.png"));
            StringAssert.Contains(File.ReadAllText(Path.Combine(out1, "summary.md")), "| joint | split-digits |");
            var info = Checkpoint.ReadInfo(ckpt);
            Assert.AreEqual("vit", info.Model);
            Assert.AreEqual("joint", info.RequireSide<ContinualProvenance>(ContinualProvenance.Key).Learner);
            Assert.HasCount(10, info.RequireSide<LabelNames>(LabelNames.Key).Names);

            var out2 = Path.Combine(dir, "forgot");
            rc = RecipeCommandLine.Invoke(Recipes, ["forget", "random-label", "-c", ckpt, "--classes", "3", "--epochs", "1", "-o", out2,
                "--set", "retain_weight=1"], TestSupport.Context);
            Assert.AreEqual(0, rc);
            AssertPng(Path.Combine(out2, "unlearning.png"));
            Assert.IsTrue(File.Exists(Path.Combine(out2, "unlearning.md")));
            var edited = Checkpoint.ReadInfo(out2);
            var record = edited.RequireSide<UnlearningRecord>(UnlearningRecord.Key);
            Assert.AreEqual("random-label", record.Unlearner);
            Assert.HasCount(1, record.Steps);
            Assert.AreEqual("joint", edited.RequireSide<ContinualProvenance>(ContinualProvenance.Key).Learner, "the source's side data stays");
            // unknown --set keys of an unlearner are errors, not silently ignored
            Assert.ThrowsExactly<ArgumentException>(() => RecipeCommandLine.Invoke(Recipes,
                ["forget", "ssd", "-c", ckpt, "--classes", "3", "--set", "nonsense=1", "-o", Path.Combine(dir, "x")], TestSupport.Context));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    private static void AssertPng(string path) =>
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, File.ReadAllBytes(path).Take(8).ToArray());
}
