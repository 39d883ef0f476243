using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

public sealed class InfoCommand : Command<InfoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NAME>")]
        [Description("Component name, or name@version.")]
        public string Name { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = HostState.Catalog;
        bool found = false;
        found |= Show(catalog, catalog.Find<IModelFactory>(settings.Name), "model", c =>
        {
            var factory = c.Create();
            AnsiConsole.MarkupLine("[bold]configuration (defaults)[/]");
            AnsiConsole.WriteLine(factory.ConfigToJson(factory.CreateDefaultConfig()).ToJsonString(ZooJson.Options));
        });
        found |= Show(catalog, catalog.Find<IContinualLearner>(settings.Name), "continual learner", null);
        found |= Show(catalog, catalog.Find<IUnlearner>(settings.Name), "unlearner", null);
        found |= Show(catalog, catalog.Find<IZooCommandProvider>(settings.Name), "commands", c =>
        {
            foreach (var cmd in c.Create().Commands)
                AnsiConsole.MarkupLineInterpolated($"  zoo {cmd.Verb} {cmd.Model}: {cmd.Description}");
        });
        if (!found) catalog.Require<IModelFactory>(settings.Name);   // throws with the list of what exists
        return 0;
    }

    private static bool Show<T>(PluginCatalog catalog, ZooComponent<T>? c, string kind, Action<ZooComponent<T>>? details) where T : class
    {
        if (c is null) return false;
        var m = c.Metadata;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("name", Markup.Escape(m.Name));
        grid.AddRow("kind", kind);
        grid.AddRow("version", c.Version.ToString(3));
        grid.AddRow("other versions", string.Join(", ", catalog.All<T>().Where(o => o.Name == c.Name && o.Version != c.Version).Select(o => o.Version.ToString(3))) is { Length: > 0 } s ? s : "-");
        grid.AddRow("task", Markup.Escape(m.Task));
        grid.AddRow("paper", Markup.Escape(m.Paper));
        grid.AddRow("arXiv", m.ArxivId.Length > 0 ? $"https://arxiv.org/abs/{m.ArxivId}" : "-");
        grid.AddRow("summary", Markup.Escape(m.Summary));
        grid.AddRow("plugin", Markup.Escape($"{c.Plugin.Name} ({c.Plugin.Directory})"));
        AnsiConsole.Write(grid);
        details?.Invoke(c);
        return true;
    }
}
