using Spectre.Console;
using Zoo.Core;

namespace Zoo.Cli.Console;

/// <summary>Recipes' output on the terminal: plain lines, Spectre tables, yellow warnings.</summary>
public sealed class SpectreOutput : IZooOutput
{
    public void Line(string text) => AnsiConsole.WriteLine(text);

    public void Warn(string text) => AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {text}");

    public void Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table();
        if (title.Length > 0) table.Title(Markup.Escape(title));
        foreach (var h in headers) table.AddColumn(Markup.Escape(h));
        foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }
}

/// <summary>
/// Progress of long work. On a terminal, Spectre.Console's live progress bars (the recipe runs inside
/// <see cref="Run"/>); when the output is redirected (logs, CI), one line per task at most every few seconds.
/// </summary>
public static class SpectreProgress
{
    public static int Run(Func<IZooProgress, int> body)
    {
        if (System.Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return body(new LineProgress());
        int rc = 0;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => rc = body(new LiveProgress(ctx)));
        return rc;
    }

    private sealed class LiveProgress(ProgressContext ctx) : IZooProgress
    {
        public IZooProgressTask Start(string description, double total)
        {
            var task = ctx.AddTask(Markup.Escape(description), maxValue: total > 0 ? total : 1);
            if (total <= 0) task.IsIndeterminate = true;
            return new Task(task);
        }

        private sealed class Task(ProgressTask task) : IZooProgressTask
        {
            public void Advance(double units = 1) => task.Increment(units);

            public void Describe(string description) => task.Description = Markup.Escape(description);

            public void Dispose()
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }

    private sealed class LineProgress : IZooProgress
    {
        public IZooProgressTask Start(string description, double total) => new Task(description, total);

        private sealed class Task(string description, double total) : IZooProgressTask
        {
            private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
            private double _done;
            private TimeSpan _last = TimeSpan.Zero;

            public void Advance(double units = 1)
            {
                _done += units;
                if (_watch.Elapsed - _last < TimeSpan.FromSeconds(5)) return;
                _last = _watch.Elapsed;
                Print();
            }

            public void Describe(string text) => description = text;

            public void Dispose() => Print(final: true);

            private void Print(bool final = false)
            {
                var pct = total > 0 ? $" {100 * _done / total:F0}%" : "";
                System.Console.Error.WriteLine($"{description}: {_done:0}{(total > 0 ? $"/{total:0}" : "")}{pct} {_watch.Elapsed.TotalSeconds:F1}s{(final ? " done" : "")}");
            }
        }
    }
}
