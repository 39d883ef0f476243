using System.Globalization;
using Spectre.Console;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>Console front-end for training: a progress bar per epoch and one line per finished epoch.</summary>
public static class InformerRunner
{
    public static TrainResult TrainWithProgress(InformerModel model, ForecastDataset data, TrainOptions options, string checkpointDir, Device device)
    {
        var train = data.Split("train");
        int steps = train.Count / options.BatchSize;
        if (options.MaxStepsPerEpoch is { } cap) steps = Math.Min(steps, cap);
        TrainResult? result = null;
        var lines = new List<string>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                result = InformerTraining.Train(model, data, options, checkpointDir, device,
                    m => InformerCheckpoint.Extra(data),
                    onEpoch: e =>
                    {
                        task?.StopTask();
                        AnsiConsole.MarkupLine(FormattableString.Invariant(
                            $"epoch {e.Epoch}/{options.TrainEpochs}: train loss {e.TrainLoss:F4}, vali loss {e.ValLoss:F4}, lr {e.LearningRate:G3}, {e.Seconds:F1}s") + (e.Improved ? " [green](best, saved)[/]" : ""));
                        task = null;
                    },
                    onStep: (epoch, step, loss) =>
                    {
                        task ??= ctx.AddTask($"epoch {epoch}", maxValue: steps);
                        task.Value = step;
                        task.Description = $"epoch {epoch} loss {loss:F4}";
                    });
            });
        var r = result!;
        AnsiConsole.MarkupLineInterpolated($"best epoch {r.BestEpoch} (vali loss {r.BestValLoss:F4}){(r.EarlyStopped ? ", early stopped" : "")}");
        return r;
    }

    public static void PrintForecast(ForecastResult r, int maxRows = 24)
    {
        int k = r.Channels.Length - 1;
        var table = new Table().Border(TableBorder.Rounded).Title($"forecast of {r.Channels[k]}");
        table.AddColumn("time");
        table.AddColumn(new TableColumn("forecast").RightAligned());
        if (r.Actual != null)
        {
            table.AddColumn(new TableColumn("actual").RightAligned());
            table.AddColumn(new TableColumn("error").RightAligned());
        }
        for (int t = 0; t < Math.Min(maxRows, r.FutureTime.Length); t++)
        {
            var row = new List<string> { r.FutureTime[t].ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), r.Forecast[k][t].ToString("F2", CultureInfo.InvariantCulture) };
            if (r.Actual != null)
            {
                row.Add(r.Actual[k][t].ToString("F2", CultureInfo.InvariantCulture));
                row.Add((r.Forecast[k][t] - r.Actual[k][t]).ToString("+0.00;-0.00", CultureInfo.InvariantCulture));
            }
            table.AddRow(row.ToArray());
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Finds a file shipped in the repository (data/ett/...) from the working directory or the host's folder.</summary>
    public static string? FindRepoFile(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(InformerRunner).Assembly.Location) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
