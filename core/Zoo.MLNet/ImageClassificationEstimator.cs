using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.MLNet;

/// <summary>Options of <see cref="ImageClassificationEstimator"/>; column names follow ML.NET's image classification trainer.</summary>
public sealed record ImageClassificationOptions
{
    /// <summary>Encoded image bytes (e.g. from <c>LoadRawImageBytes</c>).</summary>
    public string ImageColumnName { get; init; } = "Image";

    /// <summary>Class name of each row (text).</summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>The model as <c>name[@version][:preset]</c> (e.g. <c>tnt:tiny</c>, <c>vit:s</c>), resolved through the catalog.</summary>
    public string Model { get; init; } = "tnt:tiny";

    /// <summary>Config fields laid over the preset (the model's own snake_case names; null: the preset as is).</summary>
    public JsonObject? Overrides { get; init; }

    /// <summary>Version written into the checkpoint (null: the factory assembly's version).</summary>
    public string? ModelVersion { get; init; }

    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 1e-3;
    public long Seed { get; init; } = 1;
}

/// <summary>Rows the estimator reads.</summary>
public sealed class ImageRow
{
    public byte[] Image { get; set; } = [];
    public string Label { get; set; } = "";
}

/// <summary>Output columns: one score per class and the predicted class name.</summary>
public sealed class ImagePrediction
{
    public float[] Score { get; set; } = [];
    public string PredictedLabel { get; set; } = "";
}

/// <summary>Input of the scoring mapping (the image column only).</summary>
public sealed class ImageInput
{
    public byte[] Image { get; set; } = [];
}

/// <summary>
/// Fits any Zoo image-classifier model (<see cref="IImageClassifier"/>, e.g. TNT or ViT) inside an ML.NET pipeline. The model
/// is asked for by name (<see cref="ImageClassificationOptions.Model"/>) from a catalog; when its factory is an
/// <see cref="IImageModelFactory"/>, the head is sized to the classes found in the data (no config field is written here).
/// ML.NET's transformer base classes are internal, so scoring is a <c>CustomMapping</c> with the versioned contract
/// name <see cref="ZooImageClassifierMappingFactory.ContractName"/>; the weights travel in the model zip as an extra
/// entry (ML.NET ignores it) and come back with <c>ZooMLNet.Load</c>.
/// </summary>
/// <param name="ml">The ML.NET context.</param>
/// <param name="catalog">The models to ask from (e.g. <c>new InMemoryCatalog().Add&lt;TntFactory&gt;()</c>).</param>
/// <param name="options">The model, training and column options (null: the defaults).</param>
public sealed class ImageClassificationEstimator(MLContext ml, IZooCatalog catalog, ImageClassificationOptions? options = null) : IEstimator<ITransformer>
{
    private readonly MLContext _ml = ml;
    private readonly ImageClassificationOptions _options = options ?? new ImageClassificationOptions();

    public ITransformer Fit(IDataView input)
    {
        EstimatorSupport.RequireColumns(input.Schema, null, _options.ImageColumnName, _options.LabelColumnName);
        var view = _ml.Transforms.CopyColumns("Image", _options.ImageColumnName).Append(_ml.Transforms.CopyColumns("Label", _options.LabelColumnName)).Fit(input).Transform(input);
        var rows = _ml.Data.CreateEnumerable<ImageRow>(view, reuseRowObject: false).ToList();
        if (rows.Count == 0) throw new ArgumentException("The data has no rows to fit on.");
        var classes = rows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();

        var built = EstimatorSupport.CreateModel(catalog, _options.Model, _options.Overrides, _options.ModelVersion, _options.Seed,
            (factory, config) => factory is IImageModelFactory image ? image.WithClasses(config, classes.Length) : config);
        var module = built.Module;
        var classifier = module as IImageClassifier ?? throw new NotSupportedException($"{module.GetType().Name} is not an image classifier.");
        if (classifier.NumClasses != classes.Length)
            throw new ArgumentException($"The model has {classifier.NumClasses} classes but the data has {classes.Length} ({string.Join(", ", classes)}); " +
                "override the model's class count.");

        var spec = classifier.InputSpec;
        var images = rows.Select((r, i) => ImageTensors.Decode(r.Image, spec, $"row {i}")).ToArray();
        var labels = rows.Select(r => (long)Array.IndexOf(classes, r.Label)).ToArray();
        EstimatorSupport.Train(module, rows.Count, _options.Epochs, _options.BatchSize, _options.LearningRate, _options.Seed, idx =>
        {
            var x = torch.stack(idx.Select(i => images[i]).ToArray());
            var y = torch.tensor(idx.Select(i => labels[i]).ToArray());
            return nn.functional.cross_entropy(classifier.Classify(x), y);
        });
        foreach (var t in images) t.Dispose();
        var state = new ZooImageClassifierState(module, classifier, classes, built.Factory, built.Config, built.Name, built.Version);
        return ZooMLNet.CreateTransformer(_ml, state, _options.ImageColumnName, input);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        _ml.Transforms.CustomMapping<ImageInput, ImagePrediction>((_, _) => { }, contractName: null).GetOutputSchema(inputSchema);
}

/// <summary>A fitted image classifier the scoring mapping uses.</summary>
public sealed record ZooImageClassifierState(nn.Module Module, IImageClassifier Classifier, string[] Classes, IModelFactory Factory, object Config, string ModelName, string ModelVersion)
{
    public ImagePrediction Predict(byte[] image)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = ImageTensors.Decode(image, Classifier.InputSpec, "image").unsqueeze(0);
        var scores = nn.functional.softmax(Classifier.Classify(x), 1)[0].data<float>().ToArray();
        int best = Array.IndexOf(scores, scores.Max());
        return new ImagePrediction { Score = scores, PredictedLabel = Classes[best] };
    }
}

/// <summary>The ML.NET mapping factory; ML.NET finds it by contract name when a saved model is loaded.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ZooImageClassifierMappingFactory : CustomMappingFactory<ImageInput, ImagePrediction>
{
    public const string ContractName = "Zoo.ImageClassifier.v1";

    /// <summary>The classifier the next loaded mapping scores with (set by <c>ZooMLNet.Load</c>).</summary>
    internal static ZooImageClassifierState? Current { get; set; }

    public override Action<ImageInput, ImagePrediction> GetMapping()
    {
        var state = Current ?? throw new InvalidOperationException("Load Zoo ML.NET models with ZooMLNet.Load (the weights are stored beside the mapping).");
        return (input, output) =>
        {
            var p = state.Predict(input.Image);
            output.Score = p.Score;
            output.PredictedLabel = p.PredictedLabel;
        };
    }
}

/// <summary>Save and load ML.NET models that contain a Zoo model.</summary>
public static class ZooMLNet
{
    private const string EntryPrefix = "Zoo/checkpoint/";

    internal static ITransformer CreateTransformer(MLContext ml, ZooImageClassifierState state, string imageColumn, IDataView input)
    {
        ZooImageClassifierMappingFactory.Current = state;
        ml.ComponentCatalog.RegisterAssembly(typeof(ZooImageClassifierMappingFactory).Assembly);
        var mapping = new ZooImageClassifierMappingFactory().GetMapping();
        IEstimator<ITransformer> pipeline = ml.Transforms.CustomMapping(mapping, ZooImageClassifierMappingFactory.ContractName);
        if (imageColumn != nameof(ImageInput.Image))
            pipeline = ml.Transforms.CopyColumns(nameof(ImageInput.Image), imageColumn).Append(pipeline);
        return pipeline.Fit(input);   // both steps are trivial to fit: no pass over the data
    }

    internal static ITransformer CreateForecastTransformer(MLContext ml, ZooForecasterState state, IDataView input)
    {
        ZooForecasterMappingFactory.Current = state;
        ml.ComponentCatalog.RegisterAssembly(typeof(ZooForecasterMappingFactory).Assembly);
        return ml.Transforms.CustomMapping(new ZooForecasterMappingFactory().GetMapping(), ZooForecasterMappingFactory.ContractName).Fit(input);
    }

    /// <summary>Saves a forecasting pipeline with ML.NET and adds the Zoo checkpoint (with the scaler and step) to the zip.</summary>
    public static void SaveForecaster(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        var state = ZooForecasterMappingFactory.Current ?? throw new InvalidOperationException("No Zoo forecaster to save.");
        SaveWithCheckpoint(ml, model, inputSchema, path, dir => Checkpoint.Save(dir, state.ModelName, state.ModelVersion, state.Factory, state.Config, state.Module,
            side: state.SideData()));
    }

    /// <summary>Loads a forecasting pipeline saved by <see cref="SaveForecaster"/>.</summary>
    public static ITransformer LoadForecaster(MLContext ml, string path, IModelFactory factory, out DataViewSchema inputSchema) =>
        LoadWithCheckpoint(ml, path, _ => factory, out inputSchema, (module, config, info, _) =>
        {
            ZooForecasterMappingFactory.Current = ZooForecasterState.FromCheckpoint(module, factory, config, info, path);
            ml.ComponentCatalog.RegisterAssembly(typeof(ZooForecasterMappingFactory).Assembly);
        });

    /// <summary>Saves the pipeline with ML.NET and adds the Zoo checkpoint (config.json + model.safetensors) to the zip.</summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        var state = ZooImageClassifierMappingFactory.Current ?? throw new InvalidOperationException("No Zoo model to save.");
        SaveWithCheckpoint(ml, model, inputSchema, path, dir => Checkpoint.Save(dir, state.ModelName, state.ModelVersion, state.Factory, state.Config, state.Module,
            side: new CheckpointSideData().With(LabelNames.Key, new LabelNames { Names = state.Classes })));
    }

    /// <summary>Loads a model saved by <see cref="Save"/>; the catalog builds the Zoo model named in its checkpoint.</summary>
    public static ITransformer Load(MLContext ml, string path, IZooCatalog catalog, out DataViewSchema inputSchema) =>
        LoadImageClassifier(ml, path, catalog.Get<IModelFactory>, out inputSchema);

    /// <summary>Loads a model saved by <see cref="Save"/> with the factory of its model.</summary>
    public static ITransformer Load(MLContext ml, string path, IModelFactory factory, out DataViewSchema inputSchema) =>
        LoadImageClassifier(ml, path, _ => factory, out inputSchema);

    private static ITransformer LoadImageClassifier(MLContext ml, string path, Func<string, IModelFactory> factoryFor, out DataViewSchema inputSchema) =>
        LoadWithCheckpoint(ml, path, factoryFor, out inputSchema, (module, config, info, factory) =>
        {
            var classes = info.Side<LabelNames>(LabelNames.Key)?.Names.ToArray()
                ?? info.Extra["classes"]?.AsArray().Select(n => n!.GetValue<string>()).ToArray()
                ?? throw new InvalidDataException($"{path}: the checkpoint lists no classes.");
            ZooImageClassifierMappingFactory.Current = new ZooImageClassifierState(module, (IImageClassifier)module, classes, factory, config, info.Model, info.Version);
            ml.ComponentCatalog.RegisterAssembly(typeof(ZooImageClassifierMappingFactory).Assembly);
        });

    /// <summary>ML.NET's model zip plus the Zoo checkpoint as extra entries (ML.NET ignores them), written atomically.</summary>
    private static void SaveWithCheckpoint(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path, Action<string> saveCheckpoint)
    {
        var tmpDir = Directory.CreateTempSubdirectory("zoo-mlnet-").FullName;
        try
        {
            saveCheckpoint(Path.Combine(tmpDir, "ckpt"));
            AtomicFile.Write(path, fs =>
            {
                ml.Model.Save(model, inputSchema, fs);
                fs.Flush();
                fs.Position = 0;
                using var zip = new ZipArchive(fs, ZipArchiveMode.Update, leaveOpen: true);
                foreach (var file in Directory.GetFiles(Path.Combine(tmpDir, "ckpt")))
                    zip.CreateEntryFromFile(file, EntryPrefix + Path.GetFileName(file));
            });
        }
        finally
        {
            Directory.Delete(tmpDir, recursive: true);
        }
    }

    private static ITransformer LoadWithCheckpoint(MLContext ml, string path, Func<string, IModelFactory> factoryFor, out DataViewSchema inputSchema,
        Action<nn.Module, object, CheckpointInfo, IModelFactory> register)
    {
        var tmpDir = Directory.CreateTempSubdirectory("zoo-mlnet-").FullName;
        try
        {
            using (var zip = ZipFile.OpenRead(path))
            {
                var entries = zip.Entries.Where(e => e.FullName.StartsWith(EntryPrefix, StringComparison.Ordinal)).ToList();
                if (entries.Count == 0) throw new InvalidDataException($"{path}: no Zoo checkpoint inside; was it saved with ZooMLNet?");
                foreach (var e in entries) e.ExtractToFile(Path.Combine(tmpDir, e.Name));
            }
            var factory = factoryFor(Checkpoint.ReadInfo(tmpDir).Model);
            var (module, config, info) = Checkpoint.Load(tmpDir, factory);
            module.eval();
            register(module, config, info, factory);
            using var fs = File.OpenRead(path);
            return ml.Model.Load(fs, out inputSchema);
        }
        finally
        {
            Directory.Delete(tmpDir, recursive: true);
        }
    }
}

/// <summary>Encoded image bytes to a normalised [C, H, W] tensor (ImageSharp 2.1, bilinear resize).</summary>
public static class ImageTensors
{
    public static Tensor Decode(byte[] bytes, ImageInputSpec spec, string what)
    {
        Image<Rgb24> image;
        try
        {
            image = SixLabors.ImageSharp.Image.Load<Rgb24>(bytes);
        }
        catch (Exception ex) when (ex is UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidDataException($"{what}: not a readable image ({ex.Message}).", ex);
        }
        using (image)
        {
            image.Mutate(c => c.Resize(spec.Width, spec.Height, KnownResamplers.Triangle));
            var data = new float[spec.Channels * spec.Height * spec.Width];
            int plane = spec.Height * spec.Width;
            for (int y = 0; y < spec.Height; y++)
                for (int x = 0; x < spec.Width; x++)
                {
                    var p = image[x, y];
                    if (spec.Channels == 1)
                        data[y * spec.Width + x] = ((0.299f * p.R + 0.587f * p.G + 0.114f * p.B) / 255f - spec.Mean[0]) / spec.Std[0];
                    else
                    {
                        data[y * spec.Width + x] = (p.R / 255f - spec.Mean[0]) / spec.Std[0];
                        data[plane + y * spec.Width + x] = (p.G / 255f - spec.Mean[1]) / spec.Std[1];
                        data[2 * plane + y * spec.Width + x] = (p.B / 255f - spec.Mean[2]) / spec.Std[2];
                    }
                }
            return torch.tensor(data).reshape(spec.Channels, spec.Height, spec.Width);
        }
    }
}
