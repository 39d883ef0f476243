using System.CommandLine;
using Spectre.Console;
using Zoo.Cli.Commands;
using Zoo.Cli.Console;
using Zoo.Cli.Services;
using Zoo.Core;
using Zoo.Hosting;

// The plugins found decide which verbs and options exist, so --plugins is read before the command line is parsed
// (it is also declared as an option, so it parses and shows in help).
if (System.Console.IsOutputRedirected)   // logs and pipes: do not wrap at 80 columns
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;

try
{
    ZooDevices.Parse(EarlyOptions.Device(args));
    var catalog = PluginCatalog.Discover(PluginCatalog.DefaultRoots(EarlyOptions.Plugins(args)));
    var recipes = HostRecipes.Collect(catalog);
    var root = new RootCommand("zoo: models from recent papers as plugins. zoo VERB MODEL[:preset] [options]; zoo VERB MODEL --help shows a recipe's options.");
    var global = new RecipeCommandLine.GlobalOptions();
    global.AddTo(root);
    root.Subcommands.Add(ListCommand.Create(catalog));
    root.Subcommands.Add(InfoCommand.Create(catalog, recipes.Plugin));
    root.Subcommands.Add(ConvertCommand.Create(catalog));
    root.Subcommands.Add(VerifyCommand.Create(catalog));
    root.Subcommands.Add(DemoCommand.Create(catalog, recipes.All, a => RecipeCommandLine.Run(root, a, null)));
    var output = new SpectreOutput();
    RecipeCommandLine.AddVerbs(root, global, recipes.All,
        (recipe, common, options) => SpectreProgress.Run(progress => recipe.Run(HostContext.Create(catalog, common, progress, output), common, options)),
        (recipe, ex) => AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] zoo {recipe.Verb} {recipe.Model}: {ex.Message}"),
        HostRecipes.VerbDescriptions);
    return RecipeCommandLine.Run(root, RecipeCommandLine.SplitPreset(args, recipes.Verbs), null);
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    var e = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
    if (e is CudaUnavailableException)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
        return 2;
    }
    if (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or ArgumentException
        or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException)
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    else
        AnsiConsole.WriteException(e, ExceptionFormats.ShortenEverything);
    return 1;
}
