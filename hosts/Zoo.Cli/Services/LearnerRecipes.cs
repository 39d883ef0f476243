using Zoo.Continual;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Services;

/// <summary><c>zoo continual LEARNER</c> and <c>zoo forget UNLEARNER</c>: host verbs over the catalog's learners and unlearners.</summary>
public static class LearnerRecipes
{
    public static IEnumerable<(IZooRecipe Recipe, string Name, string Description)> Collect(PluginCatalog catalog)
    {
        var recipes = ContinualRecipes.FromCatalog(catalog,
            (name, ex) => Spectre.Console.AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] zoo continual/forget {name}: {ex.Message}"));
        return recipes.Select(r => (r, r.Model, r.Description));
    }
}
