using System.CommandLine;
using Spectre.Console;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

/// <summary><c>zoo list</c>: every component found (name, version, kind, task, presets, paper) and the plugins skipped.</summary>
public static class ListCommand
{
    public static Command Create(PluginCatalog catalog)
    {
        var all = new Option<bool>("--all-versions") { Description = "Show every version found, not only the newest." };
        var cmd = new Command("list", "List the plugins found (name, version, task, presets, paper) and those that failed to load.") { all };
        cmd.SetAction(p => Print(catalog, p.GetValue(all)));
        return cmd;
    }

    /// <summary>A plugin that fails here is reported in its row; the listing goes on.</summary>
    private static string Presets(ZooComponent<IModelFactory> c)
    {
        try
        {
            return string.Join(" ", c.Create().Presets.Select(p => p.Name));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"(broken: {ex.GetType().Name}: {ex.Message})";
        }
    }

    private static int Print(PluginCatalog catalog, bool allVersions)
    {
        var table = new Table().AddColumns("name", "version", "kind", "task", "presets", "paper", "arXiv");
        void Add<T>(string kind, Func<ZooComponent<T>, string>? presets = null) where T : class
        {
            foreach (var c in allVersions ? catalog.All<T>() : catalog.Latest<T>())
                table.AddRow(Markup.Escape(c.Name), c.Version.ToString(3), kind, Markup.Escape(c.Metadata.Task),
                    Markup.Escape(presets?.Invoke(c) ?? ""), Markup.Escape(c.Metadata.Paper), Markup.Escape(c.Metadata.ArxivId));
        }
        Add<IModelFactory>("model", Presets);
        Add<IContinualLearner>("learner");
        Add<IUnlearner>("unlearner");
        // Recipe providers of plugins that export no model, learner or unlearner are tools (e.g. the slide tiler).
        var withComponents = catalog.All<IModelFactory>().Select(c => c.Plugin.Assembly).Concat(catalog.All<IContinualLearner>().Select(c => c.Plugin.Assembly))
            .Concat(catalog.All<IUnlearner>().Select(c => c.Plugin.Assembly)).ToHashSet();
        foreach (var c in allVersions ? catalog.All<IRecipeProvider>() : catalog.Latest<IRecipeProvider>())
            if (!withComponents.Contains(c.Plugin.Assembly))
                table.AddRow(Markup.Escape(c.Name), c.Version.ToString(3), "tool", Markup.Escape(c.Metadata.Task), "", Markup.Escape(c.Metadata.Paper), Markup.Escape(c.Metadata.ArxivId));

        if (table.Rows.Count == 0)
            AnsiConsole.MarkupLineInterpolated($"No plugins found. Searched: {string.Join(", ", catalog.Roots)}");
        else
            AnsiConsole.Write(table);
        foreach (var f in catalog.Failures)
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {f.Path}\n        {f.Reason}");
        return 0;
    }
}
