using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Services;

/// <summary><c>zoo continual LEARNER</c> and <c>zoo forget UNLEARNER</c>: host verbs over the catalog's learners and unlearners.</summary>
public static class LearnerRecipes
{
    public static IEnumerable<(IZooRecipe Recipe, string Name, string Description)> Collect(PluginCatalog catalog) => [];
}
