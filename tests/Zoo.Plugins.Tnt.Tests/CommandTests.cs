using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Toolkit.Plots;

namespace Zoo.Plugins.Tnt.Tests;

[TestClass]
public sealed class CommandTests
{
    /// <summary>Two classes that differ by brightness, 10 noisy 20x20 images each, plus one corrupt file.</summary>
    private static string MakeData(string root)
    {
        var rng = new Random(7);
        foreach (var (cls, level) in new[] { ("bright", 200), ("dark", 50) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < 10; i++)
            {
                using var img = new Image<Rgb24>(20, 20);
                for (int y = 0; y < 20; y++)
                    for (int x = 0; x < 20; x++)
                    {
                        byte v = (byte)Math.Clamp(level + rng.Next(-40, 40), 0, 255);
                        img[x, y] = new Rgb24(v, v, v);
                    }
                img.SaveAsPng(Path.Combine(root, cls, $"{i}.png"));
            }
        }
        File.WriteAllText(Path.Combine(root, "dark", "broken.png"), "not a png");
        return root;
    }

    private static readonly StringWriter Log = new();

    private static ZooContext Context => new() { Catalog = new InMemoryCatalog().Add<TntFactory>().Add<VitFactory>(), Output = new TextOutput(Log) };

    /// <summary>Parses and runs a command line exactly as <c>zoo</c> does (verb, model, options).</summary>
    private static int Run(params string[] args) => RecipeCommandLine.Invoke(new TntRecipes().Recipes, args, Context);

    [TestMethod]
    public void TrainEvalPredictEmbedEndToEnd()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            var data = MakeData(Path.Combine(dir, "data"));
            var cfg = Path.Combine(dir, "tiny.json");
            File.WriteAllText(cfg, """{"img_size": 16, "patch_size": 8, "embed_dim": 32, "inner_dim": 8, "depth": 1, "num_heads_outer": 2, "num_heads_inner": 2, "first_stride": 2}""");
            var ckpt = Path.Combine(dir, "ckpt");
            Assert.AreEqual(0, Run("train", "tnt", "--data", data, "--config", cfg, "--epochs", "4", "--batch-size", "8", "--lr", "3e-3", "--val-fraction", "0.3", "--out", ckpt));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "config.json")));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "model.safetensors")));
            Assert.IsTrue(File.Exists(Path.Combine(ckpt, "training_curves.png")));

            using var loaded = ImageClassifierCheckpoint.Load(ckpt, new TntFactory());
            CollectionAssert.AreEqual(new[] { "bright", "dark" }, loaded.ClassNames.ToArray());
            Assert.AreEqual(16, loaded.InputSpec.Height);
            Assert.AreEqual("tnt", loaded.ModelName);

            var png = Path.Combine(dir, "cm.png");
            Assert.AreEqual(0, Run("eval", "tnt", "-c", ckpt, "--confusion", png));
            using (var cm = Image.Load<Rgb24>(png)) Assert.IsGreaterThan(50, cm.Width);

            var preds = Path.Combine(dir, "pred.csv");
            Assert.AreEqual(0, Run("predict", "tnt", "-c", ckpt, Path.Combine(data, "bright"), "--out", preds));
            var predLines = File.ReadAllLines(preds);
            Assert.HasCount(11, predLines);   // header + 10 images
            var preds2 = Path.Combine(dir, "pred2.csv");
            Assert.AreEqual(0, Run("predict", "tnt", "-c", ckpt, "--input", Path.Combine(data, "bright"), "--out", preds2));
            CollectionAssert.AreEqual(predLines, File.ReadAllLines(preds2));

            var emb = Path.Combine(dir, "emb.csv");
            Assert.AreEqual(0, Run("embed", "tnt", "-c", ckpt, "--data", data, "--out", emb));
            var lines = File.ReadAllLines(emb);
            Assert.HasCount(21, lines);   // header + 20 readable images (the broken one skipped)
            Assert.AreEqual(2 + 32, lines[0].Split(',').Length);
            Assert.IsTrue(lines.Skip(1).All(l => l.Split(',').Length == 34));
            // The CSV rows are the encoder's features: recompute one.
            var first = lines[1].Split(',');
            using var x = ImageClassifierCheckpoint.DecodeImage(File.ReadAllBytes(first[0]), loaded.InputSpec).unsqueeze(0);
            using var _ = torch.no_grad();
            using var f = loaded.Classifier.Encode(x);
            Close.Within(f[0, 5].item<float>(), float.Parse(first[2 + 5], System.Globalization.CultureInfo.InvariantCulture), 1e-4);

            // --bad-images reject stops with the file's name.
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => Run("eval", "tnt", "-c", ckpt, "--data", data, "--bad-images", "reject"));
            StringAssert.Contains(ex.Message, "broken.png");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void TrainingLowersTheLossAndCheckpointsRoundTrip()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            var ds = ImageFolderDataset.Open(MakeData(Path.Combine(dir, "data")), BadImagePolicy.Skip);
            var cfg = new TntConfig { ImgSize = 16, PatchSize = 8, EmbedDim = 32, InnerDim = 8, Depth = 1, NumHeadsOuter = 2, NumHeadsInner = 2, FirstStride = 2, NumClasses = 2 };
            torch.manual_seed(0);
            using var model = new TransformerInTransformer(cfg);
            var history = ImageClassifierTraining.Train(model, ds, null, new ImageTrainOptions { Epochs = 6, BatchSize = 10, LearningRate = 3e-3, WarmupEpochs = 1, Seed = 1 });
            Assert.HasCount(6, history);
            Close.Below(history[0].TrainLoss, history[^1].TrainLoss);
            var ckpt = Path.Combine(dir, "ck");
            ImageClassifierCheckpoint.Save(ckpt, "tnt", new TntFactory(), cfg, model, ds.ClassNames);
            using var loaded = ImageClassifierCheckpoint.Load(ckpt, Context);
            CollectionAssert.AreEqual(ds.ClassNames.ToArray(), loaded.ClassNames.ToArray());
            using var x = torch.randn(3, 3, 16, 16);
            using var _ = torch.no_grad();
            model.eval();
            using var a = model.forward(x);
            using var b = loaded.Classifier.Classify(x);
            Close.Within(0f, (a - b).abs().max().item<float>(), 0);
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void ConfusionMatrixCountsAndPerClassAccuracy()
    {
        var r = new EvalResult(new[,] { { 8, 2, 0 }, { 0, 5, 0 }, { 1, 1, 3 } }, ["a", "b", "c"]);
        Assert.AreEqual(20, r.Total);
        Close.Within(16.0 / 20, r.Top1, 1e-12);
        CollectionAssert.AreEqual(new[] { 0.8, 1.0, 0.6 }, r.PerClassAccuracy);
        var png = Path.Combine(RepoPaths.TempDir(), "cm.png");
        PlotWriter.ConfusionMatrix(png, "test confusion matrix", r.Counts, r.ClassNames);
        Assert.AreEqual(8L, r.Counts[0, 0]);
        Assert.AreEqual(1L, r.Counts[2, 0]);
        // The renderer is the toolkit's ScottPlot writer now: the PNG exists and is a real plot, not the old pixel grid.
        using var img = Image.Load<Rgb24>(png);
        Assert.IsGreaterThan(300, img.Width);
        Assert.IsGreaterThan(300, img.Height);
    }

    [TestMethod]
    public void FlopCountsMatchTheArchitecture()
    {
        // TNT minus ViT = stem difference + inner transformer + projections; check against hand-computed tiny values.
        var t = TntConfig.Tiny();
        double n = 16, m = 16, c = 16, d = 64;
        double inner = n * (12 * m * c * c + 2 * m * m * c), proj = n * m * c * d, outer = 4 * 17 * d * d + 2 * 17 * 17 * d + 8 * 17 * d * d;
        double expected = 2 * (n * c * 16 * 3 * 49 + n * m * c * d + 2 * (inner + proj + outer) + d * 10);
        Close.Within(expected, TntFlops.Forward(t), 1e-6);
        Close.Within(expected, new TntFactory().ForwardFlopsPerImage(t), 1e-6);
        Close.Above(TntFlops.OuterOnly(t), TntFlops.Forward(t));
    }
}
