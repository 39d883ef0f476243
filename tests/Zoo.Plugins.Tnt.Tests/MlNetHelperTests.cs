using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.Tnt.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt.Tests;

/// <summary>The helpers a host (the ML.NET wrapper) uses: create, train from image bytes, save/load a folder, predict from bytes.</summary>
[TestClass]
public sealed class MlNetHelperTests
{
    private static byte[] Png(byte level)
    {
        using var img = new Image<Rgb24>(12, 12, new Rgb24(level, level, level));
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    [TestMethod]
    public void CreateTrainSaveLoadPredictFromBytes()
    {
        var images = Enumerable.Range(0, 12).Select(i => Png((byte)(i % 2 == 0 ? 30 + i : 220 - i))).Append([9, 9, 9]).ToArray();
        var labels = Enumerable.Range(0, 12).Select(i => i % 2).Append(0).ToArray();
        var source = new EncodedImageSource(images, labels, ["dark", "light"]);
        var (module, config) = ImageClassifierCheckpoint.Create("vit", "tiny", 2, imgSize: 16);
        Assert.IsInstanceOfType<IImageClassifier>(module);
        Assert.IsInstanceOfType<VitConfig>(config);
        using (module)
        {
            var hist = ImageClassifierTraining.Train(module, source, null, new TrainOptions { Epochs = 2, BatchSize = 6, RandomCrop = false });
            Assert.AreEqual(12, hist[0].Images);   // the undecodable row is skipped
            Assert.HasCount(1, source.BadImages);
            var dir = Path.Combine(RepoPaths.TempDir(), "ck");
            ImageClassifierCheckpoint.Save(dir, "vit", config, module, source.ClassNames);
            using var loaded = ImageClassifierCheckpoint.Load(dir);
            Assert.AreEqual("vit", loaded.ModelName);
            Assert.AreEqual(16, loaded.InputSpec.Width);
            var probs = loaded.PredictProbabilities(images.Take(3).ToArray());
            Assert.HasCount(3, probs);
            foreach (var p in probs) Assert.AreEqual(1.0, p.Sum(), 1e-5);
            // Same numbers as running the module on the decoded tensor.
            using var x = ImageClassifierCheckpoint.DecodeImage(images[1], loaded.InputSpec).unsqueeze(0);
            using var _ = torch.no_grad();
            module.eval();
            using var direct = module.forward(x).softmax(-1);
            Assert.AreEqual(direct[0, 1].item<float>(), probs[1][1], 1e-5);
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => loaded.PredictProbabilities([images[0], images[12]]));
            StringAssert.Contains(ex.Message, "image 1");
        }
    }

    [TestMethod]
    public void BadLabelsAndMissingCheckpointsAreClearErrors()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new EncodedImageSource([Png(1)], [5], ["a", "b"]));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ImageClassifierCheckpoint.Load(Path.Combine(RepoPaths.TempDir(), "nothing")));
        Assert.ThrowsExactly<InvalidDataException>(() => ImageClassifierCheckpoint.FactoryFor("resnet"));
    }
}
