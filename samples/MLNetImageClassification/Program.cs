// TNT (Transformer in Transformer) as an ML.NET estimator: images are loaded with ML.NET's own
// LoadRawImageBytes, the Zoo estimator fits the model, and the whole pipeline is saved and loaded again.
//
//   dotnet run --project samples/MLNetImageClassification [-- path/to/digits.csv.gz]
using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Core;
using Zoo.MLNet;
using Zoo.Plugins.Tnt;
using Zoo.Toolkit.Data;

TorchSharp.torch.set_num_threads(1);   // small models: idle OpenMP threads only spin (see plugins/Zoo.Plugins.Tnt/README.md)
var csv = args.Length > 0 ? args[0] : DigitsCsv.FindShipped()
    ?? throw new FileNotFoundException("data/digits/digits.csv.gz not found; pass the path as the first argument.");
var work = Directory.CreateTempSubdirectory("zoo-mlnet-sample-").FullName;
Console.WriteLine($"digits from {csv}; images written to {work}");

// 1. The digits as PNG files on disk, as a user's images would be.
var rows = new List<ImageFile>();
var digits = DigitsCsv.Load(csv);
for (int i = 0; i < Math.Min(700, digits.Count); i++)
{
    using var img = new Image<L8>(8, 8);
    for (int p = 0; p < 64; p++) img[p % 8, p / 8] = new L8((byte)(digits.Pixels[i][p] * 255 / 16));
    var name = $"{i:D4}.png";
    img.SaveAsPng(Path.Combine(work, name));
    rows.Add(new ImageFile { ImagePath = name, Label = digits.Labels[i].ToString() });
}
var ml = new MLContext(seed: 1);
var all = ml.Data.LoadFromEnumerable(rows);
var split = ml.Data.TrainTestSplit(all, testFraction: 0.2, seed: 1);

// 2. The pipeline: ML.NET loads the image bytes, Zoo fits TNT-tiny on them (asked for by name; the head
//    is sized to the classes in the data).
var catalog = new InMemoryCatalog().Add<TntFactory>();
var pipeline = ml.Transforms.LoadRawImageBytes("Image", work, nameof(ImageFile.ImagePath))
    .Append(new ImageClassificationEstimator(ml, catalog, new ImageClassificationOptions
    {
        Model = "tnt:tiny", Epochs = 30, BatchSize = 32, LearningRate = 1e-3,
    }));
var sw = System.Diagnostics.Stopwatch.StartNew();
var model = pipeline.Fit(split.TrainSet);
Console.WriteLine($"fitted TNT-tiny on {rows.Count - ml.Data.CreateEnumerable<ImageFile>(split.TestSet, false).Count()} images in {sw.Elapsed.TotalSeconds:F0} s");

double Accuracy(ITransformer m, MLContext ctx)
{
    var scored = ctx.Data.CreateEnumerable<Scored>(m.Transform(split.TestSet), reuseRowObject: false).ToList();
    return scored.Count(s => s.PredictedLabel == s.Label) / (double)scored.Count;
}
Console.WriteLine($"held-out accuracy: {Accuracy(model, ml):P1}");

// 3. Save with ML.NET (the TNT weights travel inside the zip) and load it back.
var zip = Path.Combine(work, "tnt-digits.zip");
ZooMLNet.Save(ml, model, all.Schema, zip);
var ml2 = new MLContext(seed: 2);
var loaded = ZooMLNet.Load(ml2, zip, catalog, out _);
Console.WriteLine($"saved to {zip} and loaded again: held-out accuracy {Accuracy(loaded, ml2):P1}");

public sealed class ImageFile
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

public sealed class Scored
{
    public string Label { get; set; } = "";
    public string PredictedLabel { get; set; } = "";
}
