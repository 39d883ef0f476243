using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision;

/// <summary>How a checkpoint's validation split was made (so <c>zoo eval</c> can evaluate the same held-out images).</summary>
public sealed record ImageDataSplit
{
    public const string Key = "split";

    /// <summary>Full path of the training data.</summary>
    public string Path { get; init; } = "";

    /// <summary>"digits" or "folder".</summary>
    public string Kind { get; init; } = "";

    /// <summary>A separate validation folder (null: a held-out split of <see cref="Path"/>).</summary>
    public string? ValPath { get; init; }

    public double ValFraction { get; init; }

    public int SplitSeed { get; init; }
}

/// <summary>What trained a classifier checkpoint and how well it did on the held-out data: side data "training" (images, clips).</summary>
public abstract record ClassifierTrainingSummary
{
    public const string Key = "training";

    public int Epochs { get; init; }
    public int BatchSize { get; init; }
    public double Lr { get; init; }
    public double ValTop1 { get; init; }
    public double? FinalTrainLoss { get; init; }
}

/// <summary>What an image-classifier training run did, saved beside the weights.</summary>
public sealed record ImageTrainingSummary : ClassifierTrainingSummary
{
    public double WeightDecay { get; init; }
}

/// <summary>A loaded image classifier: the module (an <see cref="IImageClassifier"/>), its class names and input preprocessing.</summary>
public sealed record LoadedImageClassifier(nn.Module<Tensor, Tensor> Module, IReadOnlyList<string> ClassNames, ImageInputSpec InputSpec,
    string ModelName, object Config, CheckpointInfo Info) : IDisposable
{
    public IImageClassifier Classifier => (IImageClassifier)Module;

    /// <summary>Class probabilities [N][K] for encoded images (PNG/JPEG/BMP/GIF bytes); an undecodable image is an error naming its index.</summary>
    public float[][] PredictProbabilities(IReadOnlyList<byte[]> images, int batchSize = 64)
    {
        var result = new float[images.Count][];
        Module.eval();
        using var _ = torch.no_grad();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            int n = Math.Min(batchSize, images.Count - start);
            var batch = torch.stack(Enumerable.Range(start, n).Select(i => ImageClassifierCheckpoint.DecodeImage(images[i], InputSpec, $"image {i}")).ToArray());
            var dev = Module.parameters().First().device;
            var p = Module.forward(batch.to(dev)).softmax(-1).cpu();
            int k = (int)p.shape[1];
            var flat = p.data<float>().ToArray();
            for (int i = 0; i < n; i++) result[start + i] = flat.AsSpan(i * k, k).ToArray();
        }
        return result;
    }

    public void Dispose() => Module.Dispose();
}

/// <summary>
/// Checkpoint folders of image classifiers (any <see cref="IImageClassifier"/> model): config.json with the class names
/// (<see cref="LabelNames"/>) and model.safetensors. Also decodes image bytes the same way training does (ML.NET, hosts).
/// </summary>
public static class ImageClassifierCheckpoint
{
    /// <summary>Saves a trained model with its class names (atomic folder write); <paramref name="side"/> adds more typed records.</summary>
    public static void Save(string directory, string modelName, IModelFactory factory, object config, nn.Module model,
        IReadOnlyList<string> classNames, CheckpointSideData? side = null)
    {
        side ??= new CheckpointSideData();
        side.With(LabelNames.Key, new LabelNames { Names = classNames.ToArray() });
        var version = factory.GetType().Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
        Checkpoint.Save(directory, modelName, version, factory, config, model, side: side);
    }

    /// <summary>Loads a checkpoint folder with the factory the catalog of <paramref name="context"/> has for its model.</summary>
    public static LoadedImageClassifier Load(string directory, IZooContext context) =>
        Load(directory, name => context.Catalog.Get<IModelFactory>(name), context.Device, context);

    /// <summary>Loads a checkpoint folder of <paramref name="factory"/>'s model.</summary>
    public static LoadedImageClassifier Load(string directory, IModelFactory factory, Device? device = null) =>
        Load(directory, _ => factory, device, null);

    /// <summary>Loads a checkpoint folder into an eval-mode classifier on <paramref name="device"/> (default CPU).</summary>
    public static LoadedImageClassifier Load(string directory, Func<string, IModelFactory> factoryFor, Device? device, IZooContext? context)
    {
        var info = Checkpoint.ReadInfo(directory);
        var (module, config, _) = Checkpoint.Load(directory, factoryFor(info.Model), context);
        var model = module as nn.Module<Tensor, Tensor> ?? throw new InvalidDataException($"{directory}: {info.Model} is not an image model.");
        var classifier = model as IImageClassifier ?? throw new InvalidDataException($"{directory}: {info.Model} is not an image classifier.");
        IReadOnlyList<string> classes = info.Side<LabelNames>(LabelNames.Key)?.Names
            ?? (info.Extra["class_names"] is System.Text.Json.Nodes.JsonArray old ? old.Select(n => n?.GetValue<string>() ?? "").ToArray() : null)
            ?? Enumerable.Range(0, classifier.NumClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (classes.Count != classifier.NumClasses)
        {
            model.Dispose();
            throw new InvalidDataException($"{Path.Combine(directory, Checkpoint.ConfigFile)}: {classes.Count} class names for a model with {classifier.NumClasses} classes.");
        }
        if (device != null) model.to(device);
        model.eval();
        return new LoadedImageClassifier(model, classes, classifier.InputSpec, info.Model, config, info);
    }

    /// <summary>Decodes encoded image bytes (PNG, JPEG, BMP, GIF) into a normalised [C, H, W] float tensor for <paramref name="spec"/>.</summary>
    public static Tensor DecodeImage(ReadOnlySpan<byte> bytes, ImageInputSpec spec, string? name = null)
    {
        Image<Rgb24> img;
        try
        {
            img = Image.Load<Rgb24>(bytes);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{name ?? "image bytes"}: cannot decode the image ({ex.Message}).", ex);
        }
        using (img)
        {
            var transform = ImageTransform.Eval(spec);
            var buffer = new float[transform.FloatsPerImage];
            transform.Apply(img, buffer);
            return torch.tensor(buffer, [spec.Channels, spec.Height, spec.Width]);
        }
    }
}
