using Zoo.Core;

namespace Zoo.Plugins.Informer;

/// <summary>Adds <c>zoo train|eval|predict|demo|bench informer</c>.</summary>
[ZooExport(typeof(IRecipeProvider), "informer", Task = ZooTasks.Forecasting, Summary = "Informer train, eval, predict, demo and bench recipes.")]
public sealed class InformerRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes =>
    [
        new InformerTrainRecipe(),
        new InformerEvalRecipe(),
        new InformerPredictRecipe(),
        new InformerDemoRecipe(),
        new InformerBenchRecipe(),
    ];
}
