using Zoo.Core;
using Zoo.Toolkit.Vision;
using Zoo.Toolkit.Vision.Recipes;

namespace Zoo.Plugins.Tnt.Recipes;

/// <summary>
/// <c>zoo train|eval|predict|embed|demo tnt</c> (the toolkit's image-classification recipes for TNT) and <c>zoo bench tnt</c>:
/// TNT against the ViT of the same preset, which comes from the catalog (the "vit" plugin) when it is installed.
/// </summary>
[ZooExport(typeof(IRecipeProvider), "tnt-recipes", Task = ZooTasks.ImageClassification, Paper = "Transformer in Transformer", ArxivId = "2103.00112",
    Summary = "zoo train|eval|predict|embed|demo|bench tnt")]
public sealed class TntRecipes : IRecipeProvider
{
    public static ImageRecipes Image { get; } = new("tnt", () => new TntFactory(), "TNT", "tiny",
        "TNT-tiny (visual sentences of 8x8 pixels, 4x4 visual words each) on 1,797 UCI digits upsampled to 32x32, 80/20 split.");

    public IEnumerable<IZooRecipe> Recipes =>
        [.. Image.All, Image.Bench("TNT vs the ViT of the same preset (paper Table 4): images/s (train, inference), peak memory, MFU.", BenchModels)];

    /// <summary>TNT of the preset, then <c>vit:PRESET</c> (tiny: the same outer width, depth and patches; s/b: ViT-S/B as in the paper).</summary>
    public static IReadOnlyList<BenchModel> BenchModels(IZooContext context, CommonOptions common, ImageBenchOptions s)
    {
        var preset = common.Preset ?? "tiny";
        var list = new List<BenchModel> { Image.BenchModel(common, s, $"tnt:{preset}") };
        var vitPreset = preset.Replace("_legacy", "", StringComparison.OrdinalIgnoreCase);
        try
        {
            var (vit, vitConfig) = ImageModels.Resolve(context.Catalog.Get<IModelFactory>("vit"), vitPreset, null, s.Classes);
            list.Add(new BenchModel($"vit:{vitPreset}", vit, vitConfig));
        }
        catch (KeyNotFoundException ex)
        {
            context.Output.Warn($"no ViT to compare with ({ex.Message}); install the vit plugin for the TNT/ViT ratios.");
        }
        return list;
    }
}
