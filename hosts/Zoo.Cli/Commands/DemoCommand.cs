using Spectre.Console;
using Spectre.Console.Cli;

namespace Zoo.Cli.Commands;

/// <summary><c>zoo demo</c> without a model: runs the first demo available, in the order below.</summary>
public sealed class DemoCommand : Command<EmptyCommandSettings>
{
    private static readonly string[] Preferred = ["informer", "tnt", "hybrid-lm"];

    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellationToken)
    {
        var demos = PluginCommands.Collect(HostState.Catalog).Where(c => c.Command.Verb == "demo").Select(c => c.Command.Model).Where(m => !m.Contains('@')).ToList();
        if (demos.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]No plugin with a demo was found.[/] Build the plugins (dotnet build Zoo.sln) or pass --plugins DIR.");
            foreach (var f in HostState.Catalog.Failures) AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {f.Path}: {f.Reason}");
            return 1;
        }
        var pick = Preferred.FirstOrDefault(p => demos.Contains(p, StringComparer.OrdinalIgnoreCase)) ?? demos[0];
        AnsiConsole.MarkupLineInterpolated($"[bold]zoo demo {pick}[/] (other demos: {string.Join(", ", demos.Where(d => d != pick).DefaultIfEmpty("none"))})");
        return HostState.Dispatch(["demo", pick]);
    }
}
