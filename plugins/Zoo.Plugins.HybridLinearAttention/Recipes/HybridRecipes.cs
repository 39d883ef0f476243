using Zoo.Core;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>train/eval hybrid-lm (alias lm) and bench memory.</summary>
[ZooExport(typeof(IRecipeProvider), "hybrid-lm-recipes", Task = ZooTasks.SequenceModeling, Summary = "train/eval hybrid-lm (alias lm) and bench memory.")]
public sealed class HybridRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes =>
    [
        new TrainLmRecipe("hybrid-lm"),
        new TrainLmRecipe("lm"),
        new EvalLmRecipe("hybrid-lm"),
        new EvalLmRecipe("lm"),
        new BenchMemoryRecipe(),
    ];
}
