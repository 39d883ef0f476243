using System.CommandLine;
using Spectre.Console;
using Zoo.Cli.Commands;
using Zoo.Cli.Console;
using Zoo.Cli.Services;
using Zoo.Hosting;

namespace Zoo.Cli;

/// <summary>The zoo command line over a catalog: built-in commands, then the verbs of every recipe the plugins export.</summary>
public sealed class ZooApp
{
    private ZooApp(RootCommand root, ISet<string> verbs)
    {
        Root = root;
        Verbs = verbs;
    }

    public RootCommand Root { get; }

    /// <summary>The verbs whose next word may carry a preset (<c>train tnt:s</c>).</summary>
    public ISet<string> Verbs { get; }

    public static ZooApp Build(PluginCatalog catalog)
    {
        var recipes = HostRecipes.Collect(catalog);
        var root = new RootCommand("zoo: models from recent papers as plugins. zoo VERB MODEL[:preset] [options]; zoo VERB MODEL --help shows a recipe's options.");
        var global = new RecipeCommandLine.GlobalOptions();
        global.AddTo(root);
        root.Subcommands.Add(ListCommand.Create(catalog));
        root.Subcommands.Add(InfoCommand.Create(catalog, recipes.Plugin));
        root.Subcommands.Add(ConvertCommand.Create(catalog));
        root.Subcommands.Add(VerifyCommand.Create(catalog));
        root.Subcommands.Add(DemoCommand.Create(catalog, recipes.All, (a, output) => RecipeCommandLine.Run(root, a, output)));
        var output = new SpectreOutput();
        RecipeCommandLine.AddVerbs(root, global, recipes.All,
            (recipe, common, options) => SpectreProgress.Run(progress => recipe.Run(HostContext.Create(catalog, common, progress, output), common, options)),
            (recipe, ex) => AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] zoo {recipe.Verb} {recipe.Model}: {ex.Message}"),
            HostRecipes.VerbDescriptions);
        return new ZooApp(root, recipes.Verbs);
    }

    /// <summary>Parses and runs one command line (exceptions propagate; the caller turns them into messages).</summary>
    public int Run(string[] args, TextWriter? output = null) => RecipeCommandLine.Run(Root, RecipeCommandLine.SplitPreset(args, Verbs), output);
}
