using Spectre.Console.Cli;
using Zoo.Cli.Commands;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli;

/// <summary>Adds the commands plugins export (<see cref="IZooCommandProvider"/>) as <c>zoo VERB MODEL ...</c>.</summary>
public static class PluginCommands
{
    private static readonly HashSet<string> BuiltIn = new(StringComparer.OrdinalIgnoreCase) { "list", "info", "verify", "convert" };

    public static IReadOnlyList<(ZooCommand Command, ZooComponent<IZooCommandProvider> Provider)> Collect(PluginCatalog catalog)
    {
        var result = new List<(ZooCommand, ZooComponent<IZooCommandProvider>)>();
        // Newest version of each provider first; older versions are reachable as MODEL@VERSION.
        var latest = catalog.Latest<IZooCommandProvider>().ToHashSet();
        foreach (var provider in catalog.All<IZooCommandProvider>())
        {
            var instance = provider.Create();
            foreach (var cmd in instance.Commands)
            {
                if (BuiltIn.Contains(cmd.Verb) || !typeof(ICommand).IsAssignableFrom(cmd.CommandType)) continue;
                if (latest.Contains(provider)) result.Add((cmd, provider));
                result.Add((cmd with { Model = $"{cmd.Model}@{provider.Version.ToString(3)}" }, provider));
            }
        }
        return result;
    }

    public static void Register(IConfigurator config, PluginCatalog catalog)
    {
        var commands = Collect(catalog);
        var verbs = commands.GroupBy(c => c.Command.Verb, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        if (!verbs.ContainsKey("demo")) verbs["demo"] = [];
        foreach (var (verb, list) in verbs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            config.AddBranch<CommandSettings>(verb, branch =>
            {
                branch.SetDescription(verb == "demo" ? "Run a short real job on data shipped with Zoo (zoo demo MODEL, or the default demo)." : $"{verb} a model: zoo {verb} MODEL [options]");
                if (verb == "demo") branch.SetDefaultCommand<DemoCommand>();
                foreach (var (cmd, provider) in list.DistinctBy(c => c.Command.Model, StringComparer.OrdinalIgnoreCase))
                {
                    var add = typeof(IConfigurator<CommandSettings>).GetMethod(nameof(IConfigurator<CommandSettings>.AddCommand))!.MakeGenericMethod(cmd.CommandType);
                    var configurator = (ICommandConfigurator)add.Invoke(branch, [cmd.Model])!;
                    configurator.WithDescription($"{cmd.Description} ({provider.Plugin.Name} {provider.Version})");
                }
            });
        }
    }
}
