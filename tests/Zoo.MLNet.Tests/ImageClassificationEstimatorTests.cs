using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.MLNet.Tests;

public sealed record TinyCnnConfig
{
    public int NumClasses { get; init; } = 2;
}

/// <summary>A very small image classifier implementing the Zoo contract (stands in for TNT in these tests).</summary>
public sealed class TinyCnn : nn.Module<Tensor, Tensor>, IImageClassifier
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly nn.Module<Tensor, Tensor> head;
#pragma warning restore IDE1006

    public TinyCnn(TinyCnnConfig c) : base("TinyCnn")
    {
        NumClasses = c.NumClasses;
        conv = nn.Conv2d(3, 4, 3, padding: 1);
        head = nn.Linear(4, c.NumClasses);
        RegisterComponents();
    }

    public ImageInputSpec InputSpec { get; } = new(8, 8, 3, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);
    public int EmbeddingDim => 4;
    public int NumClasses { get; }
    public Tensor Encode(Tensor images) => nn.functional.relu(conv.call(images)).mean([2L, 3L]);
    public Tensor Classify(Tensor images) => head.call(Encode(images));
    public override Tensor forward(Tensor images) => Classify(images);
}

[ZooExport(typeof(IModelFactory), "tinycnn", Task = ZooTasks.ImageClassification)]
public sealed class TinyCnnFactory : ModelFactory<TinyCnnConfig>, Zoo.Toolkit.Vision.IImageModelFactory
{
    public override nn.Module Create(TinyCnnConfig config) => new TinyCnn(config);

    public object WithClasses(object config, int numClasses) => (TinyCnnConfig)config with { NumClasses = numClasses };

    public object WithImageSize(object config, int imageSize) => config;

    public object WithChannels(object config, int channels) => config;

    public double ForwardFlopsPerImage(object config) => 0;
}

public sealed class Row
{
    public byte[] Image { get; set; } = [];
    public string Label { get; set; } = "";
}

[TestClass]
public sealed class ImageClassificationEstimatorTests
{
    private static byte[] Png(Rgb24 color, Random rng)
    {
        using var img = new Image<Rgb24>(12, 12);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 12; x++)
            {
                int n = rng.Next(-30, 30);
                img[x, y] = new Rgb24((byte)Math.Clamp(color.R + n, 0, 255), (byte)Math.Clamp(color.G + n, 0, 255), (byte)Math.Clamp(color.B + n, 0, 255));
            }
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    private static List<Row> Data(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => i % 2 == 0
            ? new Row { Image = Png(new Rgb24(220, 40, 40), rng), Label = "red" }
            : new Row { Image = Png(new Rgb24(40, 40, 220), rng), Label = "blue" }).ToList();
    }

    private static InMemoryCatalog Catalog => new InMemoryCatalog().Add<TinyCnnFactory>();

    [TestMethod]
    public void FitsPredictsAndRoundTripsThroughModelSave()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Data(32, 1));
        var test = ml.Data.LoadFromEnumerable(Data(10, 2));
        var estimator = new ImageClassificationEstimator(ml, Catalog, new ImageClassificationOptions { Epochs = 30, BatchSize = 8, LearningRate = 0.03, Model = "tinycnn" });
        var model = estimator.Fit(train);

        var predictions = ml.Data.CreateEnumerable<Prediction>(model.Transform(test), reuseRowObject: false).ToList();
        var truth = ml.Data.CreateEnumerable<Row>(test, reuseRowObject: false).Select(r => r.Label).ToList();
        Assert.AreEqual(truth.Count, predictions.Count(p => true));
        int correct = predictions.Zip(truth).Count(p => p.First.PredictedLabel == p.Second);
        Assert.AreEqual(truth.Count, correct, "red vs blue should be learned perfectly");
        Assert.AreEqual(2, predictions[0].Score.Length);
        Close.Within(1.0, predictions[0].Score.Sum(), 1e-5, "sum of class scores");

        var path = Path.Combine(Directory.CreateTempSubdirectory("zoo-mlnet-").FullName, "model.zip");
        ZooMLNet.Save(ml, model, train.Schema, path);
        var ml2 = new MLContext(seed: 2);
        var loaded = ZooMLNet.Load(ml2, path, Catalog, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Image"));
        var again = ml2.Data.CreateEnumerable<Prediction>(loaded.Transform(ml2.Data.LoadFromEnumerable(Data(10, 2))), reuseRowObject: false).ToList();
        for (int i = 0; i < again.Count; i++)
        {
            Assert.AreEqual(predictions[i].PredictedLabel, again[i].PredictedLabel);
            for (int k = 0; k < 2; k++) Close.Within(predictions[i].Score[k], again[i].Score[k], 1e-6, $"score {i}, class {k} after reload");
        }
    }

    [TestMethod]
    public void MissingColumnAndBadImageAreClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var noLabel = ml.Data.LoadFromEnumerable(new[] { new { Image = new byte[] { 1 } } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageClassificationEstimator(ml, Catalog, new() { Model = "tinycnn" }).Fit(noLabel));
        StringAssert.Contains(ex.Message, "no column 'Label'");

        var bad = ml.Data.LoadFromEnumerable(new[] { new Row { Image = [1, 2, 3], Label = "a" }, new Row { Image = [4, 5], Label = "b" } });
        var ex2 = Assert.ThrowsExactly<InvalidDataException>(() => new ImageClassificationEstimator(ml, Catalog, new() { Model = "tinycnn" }).Fit(bad));
        StringAssert.Contains(ex2.Message, "row 0");
    }

    [TestMethod]
    public void TheHeadIsSizedToTheDatasClasses()
    {
        // Three colours for a model whose default config has two classes: the factory resizes its own config.
        var ml = new MLContext(seed: 1);
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 12).Select(i => new Row { Image = Png(new Rgb24((byte)(80 * (i % 3)), 40, 40), rng), Label = $"c{i % 3}" }).ToList();
        var model = new ImageClassificationEstimator(ml, Catalog, new() { Model = "tinycnn", Epochs = 1 }).Fit(ml.Data.LoadFromEnumerable(rows));
        var p = ml.Data.CreateEnumerable<Prediction>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).First();
        Assert.AreEqual(3, p.Score.Length);
        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => new ImageClassificationEstimator(ml, Catalog, new() { Model = "resnet" }).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(ex.Message, "tinycnn");
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];
        public string PredictedLabel { get; set; } = "";
    }
}
