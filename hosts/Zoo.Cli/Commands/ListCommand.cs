using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

public sealed class ListCommand : Command<ListCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--all-versions")]
        [Description("Show every version found, not only the newest.")]
        public bool AllVersions { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = HostState.Catalog;
        var table = new Table().AddColumns("name", "version", "kind", "task", "paper", "arXiv");
        void Add<T>(string kind) where T : class
        {
            foreach (var c in settings.AllVersions ? catalog.All<T>() : catalog.Latest<T>())
                table.AddRow(Markup.Escape(c.Name), c.Version.ToString(3), kind, Markup.Escape(c.Metadata.Task), Markup.Escape(c.Metadata.Paper), Markup.Escape(c.Metadata.ArxivId));
        }
        Add<IModelFactory>("model");
        Add<IContinualLearner>("learner");
        Add<IUnlearner>("unlearner");
        // Command providers of plugins that export no model, learner or unlearner are tools (e.g. the slide tiler).
        var withComponents = catalog.All<IModelFactory>().Select(c => c.Plugin.Assembly).Concat(catalog.All<IContinualLearner>().Select(c => c.Plugin.Assembly))
            .Concat(catalog.All<IUnlearner>().Select(c => c.Plugin.Assembly)).ToHashSet();
        foreach (var c in settings.AllVersions ? catalog.All<IZooCommandProvider>() : catalog.Latest<IZooCommandProvider>())
            if (!withComponents.Contains(c.Plugin.Assembly))
                table.AddRow(Markup.Escape(c.Name), c.Version.ToString(3), "tool", Markup.Escape(c.Metadata.Task), Markup.Escape(c.Metadata.Paper), Markup.Escape(c.Metadata.ArxivId));

        if (table.Rows.Count == 0)
            AnsiConsole.MarkupLineInterpolated($"No plugins found. Searched: {string.Join(", ", catalog.Roots)}");
        else
            AnsiConsole.Write(table);

        foreach (var f in catalog.Failures)
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {f.Path}\n        {f.Reason}");
        return 0;
    }
}
