using System.CommandLine;
using Spectre.Console;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

/// <summary><c>zoo info NAME</c>: the card, the plugin's version and dependency ranges, presets, recipes, the default config.</summary>
public static class InfoCommand
{
    public static Command Create(PluginCatalog catalog, IReadOnlyList<(IZooRecipe Recipe, ZooComponent<IRecipeProvider> Provider)> recipes)
    {
        var name = new Argument<string>("NAME") { Description = "Component name, name@version, or name:preset (shows that preset's config)." };
        var cmd = new Command("info", "Show a component's card, version, dependencies, presets, verbs and configuration.") { name };
        cmd.SetAction(p => Print(catalog, recipes, p.GetValue(name)!));
        return cmd;
    }

    private static int Print(PluginCatalog catalog, IReadOnlyList<(IZooRecipe Recipe, ZooComponent<IRecipeProvider> Provider)> recipes, string spec)
    {
        var s = ModelSpec.Parse(spec);
        bool found = false;
        found |= Show(catalog, catalog.Find<IModelFactory>(s.Key), "model", c =>
        {
            var factory = c.Create();
            var presets = new Table().AddColumns("preset", "description");
            foreach (var p in factory.Presets) presets.AddRow(Markup.Escape($"{c.Name}:{p.Name}"), Markup.Escape(p.Description));
            AnsiConsole.Write(presets);
            AnsiConsole.MarkupLineInterpolated($"[bold]configuration ({(s.Preset is null ? "defaults" : "preset " + s.Preset)})[/]");
            AnsiConsole.WriteLine(factory.ConfigToJson(factory.Preset(s.Preset)).ToJsonString(ZooJson.Options));
        });
        found |= Show(catalog, catalog.Find<IContinualLearner>(s.Key), "continual learner", null);
        found |= Show(catalog, catalog.Find<IUnlearner>(s.Key), "unlearner", null);
        var mine = recipes.Where(r => r.Recipe.Model.Equals(s.Name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (!found && mine.Count > 0) found |= Show(catalog, mine.MaxBy(r => r.Provider.Version).Provider, "tool", null);
        foreach (var r in mine.Where(r => r.Provider.Version == mine.Max(x => x.Provider.Version)).Select(r => r.Recipe))
            AnsiConsole.MarkupLineInterpolated($"  zoo {r.Verb} {r.Model}: {r.Description}");
        if (!found) catalog.Require<IModelFactory>(s.Key);   // throws with the list of what exists
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
        grid.AddRow("plugin", Markup.Escape($"{c.Plugin.Name} {c.Version.ToString(3)} ({c.Plugin.Directory})"));
        var deps = string.Join(", ", PluginDependencies.Read(c.Plugin).Select(d => $"{d.Name} >= {d.Version}"));
        grid.AddRow("depends on", Markup.Escape(deps.Length > 0 ? deps : "-"));
        AnsiConsole.Write(grid);
        details?.Invoke(c);
        return true;
    }
}
