using Spectre.Console.Cli;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;

namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class CommandTests
{
    private static CommandApp App()
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddBranch("train", b => b.AddCommand<ViViTTrainCommand>("vivit"));
            c.AddBranch("eval", b => b.AddCommand<ViViTEvalCommand>("vivit"));
            c.AddBranch("predict", b => b.AddCommand<ViViTPredictCommand>("vivit"));
        });
        return app;
    }

    [TestMethod]
    public void TrainEvalPredictOnAGifClipFolder()
    {
        var dir = RepoPaths.TempDir();
        var saved = ZooRuntime.Catalog;
        try
        {
            ZooRuntime.Catalog = new TestCatalog();
            var digits = DigitsCsv.Load(RepoPaths.Digits);
            var (clips, labels) = MovingDigits.GenerateRaw(digits, 24, 5, 16, seed: 3, classes: 3);
            var data = Path.Combine(dir, "clips");
            MovingDigits.SaveGifs(data, clips, labels);
            File.WriteAllText(Path.Combine(data, "left", "zz_broken.gif"), "not a gif");
            var ckpt = Path.Combine(dir, "ckpt");
            int rc = App().Run(["train", "vivit", "--data", data, "--spatial", "tiny-encoder", "--frames", "4", "--epochs", "2", "--batch-size", "8",
                "--temporal-init", "random", "--temporal-depth", "1", "--val-fraction", "0.25", "-o", ckpt]);
            Assert.AreEqual(0, rc);
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, Checkpoint.WeightsFile)));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "training_curves.png")));
            var info = Checkpoint.ReadInfo(ckpt);
            Assert.AreEqual("vivit", info.Model);
            Assert.AreEqual(3, info.Extra["class_names"]!.AsArray().Count);
            Assert.AreEqual(0, App().Run(["eval", "vivit", "-c", ckpt, "--data", data]));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "confusion_matrix.png")));
            var one = Directory.GetFiles(Path.Combine(data, "right"), "*.gif")[0];
            Assert.AreEqual(0, App().Run(["predict", "vivit", "-c", ckpt, one]));
            Assert.AreEqual(1, App().Run(["predict", "vivit", "-c", ckpt, one, Path.Combine(data, "left", "zz_broken.gif")]), "a bad clip makes predict fail");
            Assert.ThrowsExactly<InvalidDataException>(() => App().Run(["train", "vivit", "--data", data, "--spatial", "tiny-encoder", "--frames", "4", "--epochs", "1",
                "--bad-clips", "reject", "-o", Path.Combine(dir, "ckpt2")]));
            Assert.IsFalse(Directory.Exists(Path.Combine(dir, "ckpt2")), "no half-written checkpoint");
        }
        finally
        {
            ZooRuntime.Catalog = saved;
            Directory.Delete(dir, true);
        }
    }
}
