using Zoo.Core;

namespace Zoo.Plugins.ViViT;

/// <summary>The verbs of this plugin: zoo train|eval|predict|demo|bench vivit.</summary>
[ZooExport(typeof(IRecipeProvider), "vivit", Task = ZooTasks.VideoClassification,
    Paper = "Optimizing ViViT Training: Time and Memory Reduction for Action Recognition", ArxivId = "2306.04822",
    Summary = "zoo train|eval|predict vivit, zoo demo vivit, zoo bench vivit")]
public sealed class ViViTRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes =>
    [
        new ViViTTrainRecipe(), new ViViTEvalRecipe(), new ViViTPredictRecipe(), new ViViTDemoRecipe(), new ViViTBenchRecipe(),
    ];
}
