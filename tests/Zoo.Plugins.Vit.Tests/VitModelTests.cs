using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Zoo.Core;
using Zoo.Hosting;
using Zoo.Plugins.Vit.Recipes;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.Plugins.Vit.Tests;

[TestClass]
public sealed class VitModelTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("zoo-vit-tests-").FullName;

    [TestMethod]
    public void VitHasTimmKeysAndShapes()
    {
        // The tiny preset without qkv bias: TNT-tiny's outer transformer.
        var cfg = (VitConfig)new VitFactory().Preset("tiny") with { QkvBias = false };
        torch.manual_seed(0);
        using var vit = new VisionTransformer(cfg);
        var keys = vit.state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.1.attn.qkv.weight", "blocks.0.attn.proj.bias",
                     "blocks.0.norm1.weight", "blocks.0.mlp.fc2.weight", "norm.weight", "head.bias" })
            Assert.Contains(k, keys);
        Assert.IsFalse(keys.Contains("blocks.0.attn.qkv.bias"), "qkv_bias follows the config (false)");
        vit.eval();
        using var _ = torch.no_grad();
        using var x = torch.randn(2, 3, 32, 32);
        using var y = vit.Classify(x);
        using var e = vit.Encode(x);
        CollectionAssert.AreEqual(new long[] { 2, 10 }, y.shape);
        CollectionAssert.AreEqual(new long[] { 2, 64 }, e.shape);
        using var f = vit.ForwardFeatures(x);
        Assert.IsTrue(e.allclose(f.select(1, 0)));
    }

    [TestMethod]
    public void VitAttentionRegistersTheToolkitAttentionsTimmKeys()
    {
        using var attn = new VitAttention(8, 2, true, 0, 0);
        CollectionAssert.AreEqual(new[] { "qkv.weight", "qkv.bias", "proj.weight", "proj.bias" }, attn.named_parameters().Select(p => p.name).ToArray());
    }

    [TestMethod]
    public void PresetsAreNamedSmallestFirstWithTimmParameterCounts()
    {
        var f = new VitFactory();
        CollectionAssert.AreEqual(new[] { "micro", "tiny", "ti", "s", "b", "l" }, f.Presets.Select(p => p.Name).ToArray());
        var tiny = (VitConfig)f.Preset("tiny");
        Assert.AreEqual(32, tiny.ImgSize);
        Assert.AreEqual(64, tiny.EmbedDim);
        // timm vit_small_patch16_224: 22.05M parameters with 1000 classes.
        using var s = new VisionTransformer((VitConfig)f.Preset("s"));
        Close.Within(22.05, s.parameters().Sum(p => p.numel()) / 1e6, 0.01);
        Assert.IsInstanceOfType<IExtensibleEncoder>(s);
    }

    [TestMethod]
    public void ImageFactoryResizesWithoutFieldNames()
    {
        var (factory, config) = ImageModels.Resolve(new VitFactory(), "tiny", null, numClasses: 3, imageSize: 16);
        using var m = (VisionTransformer)factory.CreateModel(config);
        Assert.AreEqual(3, m.NumClasses);
        Assert.AreEqual(16, m.InputSpec.Height);
        var grey = (VitConfig)factory.WithChannels(config, 1);
        Assert.AreEqual(1, grey.InChans);
    }

    private static byte[] Png(byte level)
    {
        using var img = new Image<Rgb24>(12, 12, new Rgb24(level, level, level));
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    /// <summary>What a host (the ML.NET wrapper) does: create, train from image bytes, save/load a folder, predict from bytes.</summary>
    [TestMethod]
    public void CreateTrainSaveLoadPredictFromBytes()
    {
        var images = Enumerable.Range(0, 12).Select(i => Png((byte)(i % 2 == 0 ? 30 + i : 220 - i))).Append([9, 9, 9]).ToArray();
        var labels = Enumerable.Range(0, 12).Select(i => i % 2).Append(0).ToArray();
        var source = new EncodedImageSource(images, labels, ["dark", "light"]);
        var (factory, config) = ImageModels.Resolve(new VitFactory(), "tiny", null, 2, 16);
        var module = (nn.Module<Tensor, Tensor>)factory.CreateModel(config);
        Assert.IsInstanceOfType<IImageClassifier>(module);
        Assert.IsInstanceOfType<VitConfig>(config);
        using (module)
        {
            var hist = ImageClassifierTraining.Train(module, source, null, new ImageTrainOptions { Epochs = 2, BatchSize = 6, RandomCrop = false });
            Assert.AreEqual(12, hist[0].Images);   // the undecodable row is skipped
            Assert.HasCount(1, source.BadImages);
            var dir = Path.Combine(TempDir(), "ck");
            ImageClassifierCheckpoint.Save(dir, "vit", factory, config, module, source.ClassNames);
            using var loaded = ImageClassifierCheckpoint.Load(dir, ZooContext.For(new InMemoryCatalog().Add<VitFactory>()));
            Assert.AreEqual("vit", loaded.ModelName);
            Assert.AreEqual(16, loaded.InputSpec.Width);
            var probs = loaded.PredictProbabilities(images.Take(3).ToArray());
            Assert.HasCount(3, probs);
            foreach (var p in probs) Close.Within(1.0, p.Sum(), 1e-5);
            // Same numbers as running the module on the decoded tensor.
            using var x = ImageClassifierCheckpoint.DecodeImage(images[1], loaded.InputSpec).unsqueeze(0);
            using var _ = torch.no_grad();
            module.eval();
            using var direct = module.forward(x).softmax(-1);
            Close.Within(direct[0, 1].item<float>(), probs[1][1], 1e-5);
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => loaded.PredictProbabilities([images[0], images[12]]));
            StringAssert.Contains(ex.Message, "image 1");
            // A catalog without the checkpoint's model is a clear error naming what exists.
            var missing = Assert.ThrowsExactly<KeyNotFoundException>(() => ImageClassifierCheckpoint.Load(dir, ZooContext.For(new InMemoryCatalog())));
            StringAssert.Contains(missing.Message, "vit");
        }
    }

    [TestMethod]
    public void BadLabelsAndMissingCheckpointsAreClearErrors()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new EncodedImageSource([Png(1)], [5], ["a", "b"]));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ImageClassifierCheckpoint.Load(Path.Combine(TempDir(), "nothing"), new VitFactory()));
    }

    [TestMethod]
    public void RecipesCoverEveryVerbAndTrainFromTheCommandLine()
    {
        var recipes = new VitRecipes().Recipes.ToList();
        CollectionAssert.AreEquivalent(new[] { "train", "eval", "predict", "embed", "demo", "bench" }, recipes.Select(r => r.Verb).ToArray());
        var dir = TempDir();
        var digits = Zoo.Toolkit.Data.DigitsCsv.FindShipped();
        Assert.IsNotNull(digits);
        // 200 digit rows keep the run short.
        var small = Path.Combine(dir, "digits.csv");
        File.WriteAllLines(small, ReadLines(digits!).Take(200).ToArray());
        var ctx = new ZooContext { Catalog = new InMemoryCatalog().Add<VitFactory>(), Output = new TextOutput(new StringWriter()) };
        var ck = Path.Combine(dir, "ck");
        Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes, ["train", "vit:tiny", "--data", small, "--epochs", "1", "--batch-size", "32",
            "--set", "depth=1", "--img-size", "16", "--out", ck], ctx));
        using var loaded = ImageClassifierCheckpoint.Load(ck, ctx);
        Assert.AreEqual(1, ((VitConfig)loaded.Config).Depth);
        Assert.AreEqual(16, loaded.InputSpec.Height);
        Assert.HasCount(10, loaded.ClassNames);
        Assert.IsTrue(File.Exists(Path.Combine(ck, "training_curves.png")));
        Assert.AreEqual(0, RecipeCommandLine.Invoke(recipes, ["eval", "vit", "-c", ck, "--confusion", Path.Combine(dir, "cm.png")], ctx));
        Assert.IsTrue(File.Exists(Path.Combine(dir, "cm.png")));
    }

    private static IEnumerable<string> ReadLines(string gz)
    {
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(File.OpenRead(gz), System.IO.Compression.CompressionMode.Decompress));
        while (reader.ReadLine() is { } line) yield return line;
    }
}
