using System.CommandLine;
using Spectre.Console;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

/// <summary><c>zoo demo</c> without a model: runs the first demo available, in the order below.</summary>
public static class DemoCommand
{
    private static readonly string[] Preferred = ["informer", "tnt", "hybrid-lm"];

    public static Command Create(PluginCatalog catalog, IReadOnlyList<(IZooRecipe Recipe, string Name, string Description)> recipes, Func<string[], TextWriter?, int> dispatch)
    {
        var cmd = new Command(ZooVerbs.Demo, "Run a short real job on data shipped with Zoo (zoo demo MODEL, or the default demo).");
        cmd.SetAction(parse =>
        {
            var demos = recipes.Where(r => r.Recipe.Verb == ZooVerbs.Demo && !r.Name.Contains('@')).Select(r => r.Name).ToList();
            if (demos.Count == 0)
            {
                AnsiConsole.MarkupLine("[yellow]No plugin with a demo was found.[/] Build the plugins (dotnet build Zoo.sln) or pass --plugins DIR.");
                foreach (var f in catalog.Failures) AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {f.Path}: {f.Reason}");
                return 1;
            }
            var pick = Preferred.FirstOrDefault(p => demos.Contains(p, StringComparer.OrdinalIgnoreCase)) ?? demos[0];
            AnsiConsole.MarkupLineInterpolated($"[bold]zoo demo {pick}[/] (other demos: {string.Join(", ", demos.Where(d => d != pick).DefaultIfEmpty("none"))})");
            // The same line with the model added: zoo demo --threads 2 -> zoo demo informer --threads 2.
            return dispatch([ZooVerbs.Demo, pick, .. parse.Tokens.Select(t => t.Value).Where(a => a != ZooVerbs.Demo)], parse.InvocationConfiguration.Output);
        });
        return cmd;
    }
}
