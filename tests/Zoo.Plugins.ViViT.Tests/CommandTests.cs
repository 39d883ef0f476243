namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class CommandTests
{
    /// <summary>Runs a command line as <c>zoo</c> parses it, over this plugin's recipes and the tests' catalog.</summary>
    private static int Zoo(params string[] args) => RecipeCommandLine.Invoke(new ViViTRecipes().Recipes, args, TestCatalog.Context());

    [TestMethod]
    public void TrainEvalPredictOnAGifClipFolder()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            var digits = DigitsCsv.Load(RepoPaths.Digits);
            var (clips, labels) = MovingDigits.GenerateRaw(digits, 24, 5, 16, seed: 3, classes: 3);
            var data = Path.Combine(dir, "clips");
            MovingDigits.SaveGifs(data, clips, labels);
            var broken = Path.Combine(data, "left", "zz_broken.gif");
            File.WriteAllText(broken, "not a gif");
            var ckpt = Path.Combine(dir, "ckpt");
            int rc = Zoo("train", "vivit", "--data", data, "--spatial", "tiny-encoder", "--frames", "4", "--epochs", "2", "--batch-size", "8",
                "--temporal-init", "random", "--temporal-depth", "1", "--val-fraction", "0.25", "-o", ckpt);
            Assert.AreEqual(0, rc);
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, Checkpoint.WeightsFile)));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "training_curves.png")));
            var info = Checkpoint.ReadInfo(ckpt);
            Assert.AreEqual("vivit", info.Model);
            Assert.AreEqual(3, info.RequireSide<LabelNames>(LabelNames.Key).Names.Count);
            Assert.AreEqual(0, Zoo("eval", "vivit", "-c", ckpt, "--data", data));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "confusion_matrix.png")));
            var one = Directory.GetFiles(Path.Combine(data, "right"), "*.gif")[0];
            Assert.AreEqual(0, Zoo("predict", "vivit", "-c", ckpt, one));
            Assert.AreEqual(0, Zoo("predict", "vivit", "-c", ckpt, "--data", one));
            Assert.AreEqual(1, Zoo("predict", "vivit", "-c", ckpt, "--clips", $"{one};{broken}"), "a bad clip makes predict fail");
            Assert.ThrowsExactly<InvalidDataException>(() => Zoo("train", "vivit", "--data", data, "--spatial", "tiny-encoder", "--frames", "4",
                "--epochs", "1", "--bad-clips", "reject", "-o", Path.Combine(dir, "ckpt2")));
            Assert.IsFalse(Directory.Exists(Path.Combine(dir, "ckpt2")), "no half-written checkpoint");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
