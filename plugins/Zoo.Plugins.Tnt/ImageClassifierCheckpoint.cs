using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.Tnt.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>A loaded image classifier: the module (an <see cref="IImageClassifier"/>), its class names and input preprocessing.</summary>
public sealed record LoadedImageClassifier(nn.Module<Tensor, Tensor> Module, IReadOnlyList<string> ClassNames, ImageInputSpec InputSpec,
    string ModelName, object Config) : IDisposable
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
/// Checkpoint folders of this plugin's image models ("tnt", "vit"): config.json (+ class_names) and model.safetensors.
/// Public so other hosts (e.g. the ML.NET wrapper) can load a classifier and preprocess image bytes the same way the CLI does.
/// </summary>
public static class ImageClassifierCheckpoint
{
    /// <summary>The factory for a model name of this plugin.</summary>
    public static IModelFactory FactoryFor(string modelName) => modelName switch
    {
        "tnt" => new TntFactory(),
        "vit" => new VitFactory(),
        _ => throw new InvalidDataException($"Model '{modelName}' is not an image model of the TNT plugin (tnt, vit)."),
    };

    /// <summary>A freshly initialised model: <paramref name="modelName"/> "tnt" (preset tiny/s/b[_legacy]) or "vit" (same width/depth as that TNT preset).</summary>
    public static (nn.Module<Tensor, Tensor> Module, object Config) Create(string modelName, string preset, int numClasses, int inChans = 3, int? imgSize = null)
    {
        var tnt = TntConfig.Preset(preset, numClasses, inChans);
        if (imgSize is int s) tnt = tnt with { ImgSize = s };
        object config = modelName == "vit" ? VitConfig.SameAs(tnt) : tnt;
        return ((nn.Module<Tensor, Tensor>)FactoryFor(modelName).CreateModel(config), config);
    }

    /// <summary>The input spec of a config of either model.</summary>
    public static ImageInputSpec InputSpecOf(object config) => config switch
    {
        TntConfig t => t.InputSpec(),
        VitConfig v => v.InputSpec(),
        _ => throw new ArgumentException($"Not a TNT or ViT config: {config.GetType().Name}"),
    };

    /// <summary>Saves a trained model with its class names (atomic folder write).</summary>
    public static void Save(string directory, string modelName, object config, nn.Module model, IReadOnlyList<string> classNames, JsonObject? extra = null)
    {
        var json = extra?.DeepClone().AsObject() ?? new JsonObject();
        json["class_names"] = new JsonArray(classNames.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        var spec = InputSpecOf(config);
        json["input_spec"] = new JsonObject
        {
            ["height"] = spec.Height, ["width"] = spec.Width, ["channels"] = spec.Channels,
            ["mean"] = new JsonArray(spec.Mean.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
            ["std"] = new JsonArray(spec.Std.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
        };
        var version = typeof(ImageClassifierCheckpoint).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
        Checkpoint.Save(directory, modelName, version, FactoryFor(modelName), config, model, json);
    }

    /// <summary>Loads a checkpoint folder into an eval-mode classifier on <paramref name="device"/> (default CPU).</summary>
    public static LoadedImageClassifier Load(string directory, Device? device = null)
    {
        var info = Checkpoint.ReadInfo(directory);
        var factory = FactoryFor(info.Model);
        var (module, config, _) = Checkpoint.Load(directory, factory);
        var model = (nn.Module<Tensor, Tensor>)module;
        var classifier = (IImageClassifier)model;
        IReadOnlyList<string> classes;
        if (info.Extra["class_names"] is JsonArray arr)
            classes = arr.Select(n => n?.GetValue<string>() ?? "").ToArray();
        else
            classes = Enumerable.Range(0, classifier.NumClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (classes.Count != classifier.NumClasses)
        {
            model.Dispose();
            throw new InvalidDataException($"{Path.Combine(directory, Checkpoint.ConfigFile)}: {classes.Count} class names for a model with {classifier.NumClasses} classes.");
        }
        if (device != null) model.to(device);
        model.eval();
        return new LoadedImageClassifier(model, classes, classifier.InputSpec, info.Model, config);
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
