using Zoo.Core;
using Zoo.Toolkit.Vision.Recipes;

namespace Zoo.Plugins.Vit.Recipes;

/// <summary><c>zoo train|eval|predict|embed|demo|bench vit</c>: the toolkit's image-classification recipes for ViT.</summary>
[ZooExport(typeof(IRecipeProvider), "vit-recipes", Task = ZooTasks.ImageClassification, Paper = "An Image is Worth 16x16 Words", ArxivId = "2010.11929",
    Summary = "zoo train|eval|predict|embed|demo|bench vit")]
public sealed class VitRecipes : IRecipeProvider
{
    public static ImageRecipes Image { get; } = new("vit", () => new VitFactory(), "ViT", "tiny",
        "ViT-tiny (16 patches of 8x8 pixels, d 64, depth 2) on 1,797 UCI digits upsampled to 32x32, 80/20 split.");

    public IEnumerable<IZooRecipe> Recipes => [.. Image.All, Image.Bench("ViT: images/s (train, inference), peak memory and MFU.")];
}
