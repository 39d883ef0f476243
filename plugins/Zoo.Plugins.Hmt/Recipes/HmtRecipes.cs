using Zoo.Core;

namespace Zoo.Plugins.Hmt;

/// <summary>train/eval/bench HMT around a zoo sequence model.</summary>
[ZooExport(typeof(IRecipeProvider), "hmt-recipes", Task = ZooTasks.SequenceModeling, Summary = "train/eval/bench HMT around a zoo sequence model.")]
public sealed class HmtRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes => [new TrainHmtRecipe(), new EvalHmtRecipe(), new BenchHmtRecipe()];
}
