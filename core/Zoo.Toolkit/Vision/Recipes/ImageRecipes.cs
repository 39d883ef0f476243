using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Data;

namespace Zoo.Toolkit.Vision.Recipes;

/// <summary>
/// The image-classification recipes of one model (<c>zoo train|eval|predict|embed|demo MODEL</c>), parameterised by the
/// model's name and factory: a plugin exports them with <c>new ImageRecipes("tnt", () =&gt; new TntFactory(), ...).All</c>.
/// </summary>
public sealed class ImageRecipes(string model, Func<IImageModelFactory> factory, string title, string defaultPreset, string demoDescription)
{
    /// <summary>The model name users type (<c>tnt</c>).</summary>
    public string Model { get; } = model;

    /// <summary>The model's display name (<c>TNT</c>).</summary>
    public string Title { get; } = title;

    /// <summary>The preset used when none is given (<c>tiny</c>).</summary>
    public string DefaultPreset { get; } = defaultPreset;

    /// <summary>One line about what the demo trains.</summary>
    public string DemoDescription { get; } = demoDescription;

    public IImageModelFactory Factory() => factory();

    /// <summary>The factory of a checkpoint's model: this model's own, else the catalog's (an eval of a ViT checkpoint with <c>zoo eval tnt</c>).</summary>
    public IModelFactory FactoryFor(string name, IZooContext context) =>
        name.Equals(Model, StringComparison.OrdinalIgnoreCase) ? factory() : context.Catalog.Get<IModelFactory>(name);

    /// <summary>Loads a checkpoint on the context's device.</summary>
    public LoadedImageClassifier Load(string checkpoint, IZooContext context) =>
        ImageClassifierCheckpoint.Load(checkpoint, n => FactoryFor(n, context), context.Device, context);

    /// <summary>This model at the bench's preset (default <see cref="DefaultPreset"/>) plus overrides, with the bench's head size.</summary>
    public BenchModel BenchModel(CommonOptions common, ImageBenchOptions s, string label)
    {
        var (f, config) = ImageModels.Resolve(factory(), common.Preset ?? DefaultPreset, common.Overrides, s.Classes);
        return new BenchModel(label, f, config);
    }

    /// <summary><c>zoo bench MODEL</c>: this model alone (labelled with its name), or the list <paramref name="models"/> makes.</summary>
    public ImageBenchRecipe Bench(string description, Func<IZooContext, CommonOptions, ImageBenchOptions, IReadOnlyList<BenchModel>>? models = null) =>
        new(Model, description, models ?? ((_, common, s) => [BenchModel(common, s, Model)]));

    /// <summary>train, eval, predict, embed and demo for this model.</summary>
    public IEnumerable<IZooRecipe> All =>
    [
        new ImageTrainRecipe(this),
        new ImageEvalRecipe(this),
        new ImagePredictRecipe(this),
        new ImageEmbedRecipe(this),
        new ImageDemoRecipe(this),
    ];
}

/// <summary>Opening data and formatting numbers for the image recipes.</summary>
public static class ImageData
{
    public static BadImagePolicy Policy(string s) => s.Trim().ToLowerInvariant() switch
    {
        "skip" => BadImagePolicy.Skip,
        "reject" => BadImagePolicy.Reject,
        _ => throw new ArgumentException($"--bad-images must be skip or reject, got '{s}'."),
    };

    /// <summary>Reports a skipped image through <paramref name="context"/>'s output.</summary>
    public static Action<BadImage> Reporter(IZooContext context) => b => context.Output.Warn($"skipped unreadable image {b.Path}: {b.Reason}");

    /// <summary>Opens a digits CSV or an image folder.</summary>
    public static IImageSource Open(string path, BadImagePolicy policy, IZooContext context, IReadOnlyList<string>? classNames = null)
    {
        if (DigitsCsv.LooksLikeDigits(path)) return DigitsDataset.Load(path);
        return ImageFolderDataset.Open(path, policy, validate: true, classNames: classNames, onBadImage: Reporter(context));
    }

    /// <summary>The given data path, else the shipped digits.</summary>
    public static string DataOrDigits(string? data) =>
        data ?? DigitsCsv.FindShipped() ?? throw new FileNotFoundException("No --data given and data/digits/digits.csv.gz was not found.");

    public static string Pct(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";

    public static string CsvField(string s) =>
        s.Contains(',') || s.Contains('"') || s.Contains('\n') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>Applies <paramref name="threads"/> (null or 0: leave libtorch's setting).</summary>
    public static void Threads(int? threads)
    {
        if (threads is int t && t > 0) torch.set_num_threads(t);
    }
}
