using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Services;

/// <summary>The recipes this host offers: every plugin's (newest as <c>name</c>, each version as <c>name@version</c>).</summary>
public sealed record HostRecipes(
    IReadOnlyList<(IZooRecipe Recipe, string Name, string Description)> All,
    IReadOnlyList<(IZooRecipe Recipe, ZooComponent<IRecipeProvider> Provider)> Plugin,
    ISet<string> Verbs)
{
    public static readonly IReadOnlyDictionary<string, string> VerbDescriptions = new Dictionary<string, string>
    {
        [ZooVerbs.Train] = "Train a model: zoo train MODEL[:preset] [options]",
        [ZooVerbs.Eval] = "Evaluate a checkpoint: zoo eval MODEL -c CKPT [options]",
        [ZooVerbs.Predict] = "Run a checkpoint on new inputs: zoo predict MODEL -c CKPT [options]",
        [ZooVerbs.Embed] = "Write features of a checkpoint's encoder: zoo embed MODEL -c CKPT [options]",
        [ZooVerbs.Bench] = "Benchmark (speed, memory, MFU against the same run's matmul peak): zoo bench MODEL",
        [ZooVerbs.Demo] = "Run a short real job on data shipped with Zoo (zoo demo MODEL, or the default demo).",
        [ZooVerbs.Tile] = "Cut whole-slide images into tiles: zoo tile TILER --slides ... --out DIR",
        [ZooVerbs.Continual] = "Learn a stream of tasks with a continual learner: zoo continual LEARNER [options]",
        [ZooVerbs.Forget] = "Remove a forget set with an unlearner: zoo forget UNLEARNER [options]",
    };

    public static HostRecipes Collect(PluginCatalog catalog)
    {
        var all = new List<(IZooRecipe, string, string)>();
        var plugin = new List<(IZooRecipe, ZooComponent<IRecipeProvider>)>();
        var latest = catalog.Latest<IRecipeProvider>().ToHashSet();
        foreach (var provider in catalog.All<IRecipeProvider>())
        {
            List<IZooRecipe> recipes;
            try
            {
                recipes = provider.Create().Recipes.ToList();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Spectre.Console.AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] recipes of {provider}: {ex.Message}");
                continue;
            }
            foreach (var r in recipes)
            {
                var about = $"{r.Description} ({provider.Plugin.Name} {provider.Version.ToString(3)})";
                plugin.Add((r, provider));
                if (latest.Contains(provider)) all.Add((r, r.Model, about));
                all.Add((r, $"{r.Model}@{provider.Version.ToString(3)}", about));
            }
        }
        all.AddRange(LearnerRecipes.Collect(catalog));
        return new HostRecipes(all, plugin, all.Select(r => r.Item1.Verb).Append(ZooVerbs.Demo).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }
}
