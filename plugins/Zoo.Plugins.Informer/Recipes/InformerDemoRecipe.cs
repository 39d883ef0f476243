using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using TorchSharp;
using Spectre.Console.Cli;
using Zoo.Core;

namespace Zoo.Plugins.Informer;

public sealed class InformerDemoSettings : CommandSettings
{
    [CommandOption("--data_path|--data-path"), Description("default: data/ett/ETTh1.csv shipped with Zoo")] public string? DataPath { get; set; }
    [CommandOption("--output|-o"), Description("output folder"), DefaultValue("demo-output/informer")] public string Output { get; set; } = "demo-output/informer";
    [CommandOption("--seconds"), Description("training budget in seconds"), DefaultValue(20)] public int Seconds { get; set; } = 20;
    [CommandOption("--threads"), Description("torch threads; 1 by default: on a shared or busy CPU, more threads make a model this small slower"), DefaultValue(1)] public int Threads { get; set; } = 1;
    [CommandOption("--test_stride|--test-stride"), Description("score every n-th test window (1 = all 2,857 windows, as the paper)"), DefaultValue(4)] public int TestStride { get; set; } = 4;
}

/// <summary>
/// zoo demo informer: a small univariate Informer (ProbSparse attention, distilling, generative decoder) learns ETTh1 oil
/// temperature for a fixed time budget, is scored on the paper's test split against a naive forecast, and forecasts 24 hours.
/// </summary>
public sealed class InformerDemoCommand : Command<InformerDemoSettings>
{
    public override int Execute(CommandContext context, InformerDemoSettings s, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        TorchSharp.torch.set_num_threads(Math.Max(1, s.Threads));
        var device = ZooRuntime.Device;
        var path = s.DataPath ?? InformerRunner.FindRepoFile(Path.Combine("data", "ett", "ETTh1.csv"))
            ?? throw new FileNotFoundException("data/ett/ETTh1.csv was not found above the working directory; run from the Zoo repository or pass --data-path.");
        var data = new ForecastDataset(new DataOptions { Path = path, Features = "S", Target = "OT", SeqLen = 96, LabelLen = 48, PredLen = 24 });
        AnsiConsole.MarkupLineInterpolated($"[bold]Informer demo[/]: forecast transformer oil temperature (OT) 24 h ahead from the last 96 h, {Path.GetFileName(path)} ({data.Table.Rows} hourly rows, paper split 12/4/4 months)");
        var config = new InformerConfig
        {
            EncIn = 1, DecIn = 1, COut = 1, SeqLen = 96, LabelLen = 48, OutLen = 24,
            DModel = 64, NHeads = 4, ELayers = 2, DLayers = 1, DFf = 128, Dropout = 0.05, Attn = "prob", Embed = "timeF", Freq = "h",
        };
        TorchSharp.torch.manual_seed(2021);
        using var model = new InformerModel(config);
        model.to(device);
        AnsiConsole.MarkupLineInterpolated($"model: d_model 64, 4 heads, 2 encoder layers with distilling, 1 decoder layer, ProbSparse attention, {model.parameters().Sum(p => p.numel()):N0} parameters");

        // Budget: epochs of at most 40 steps (batch 32, lr 1e-3) until the time budget is spent.
        var options = new TrainOptions { TrainEpochs = 50, BatchSize = 32, LearningRate = 1e-3, Patience = 3, MaxStepsPerEpoch = 40, MaxEvalBatches = 8, Seed = 2021 };
        var dir = Path.Combine(s.Output, "checkpoint");
        var sw = Stopwatch.StartNew();
        var epochs = new List<EpochResult>();
        TrainResult result = null!;
        AnsiConsole.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: s.Seconds);
                result = InformerTraining.Train(model, data, options, dir, device, m => InformerCheckpoint.Extra(data),
                    onEpoch: e =>
                    {
                        epochs.Add(e);
                        AnsiConsole.MarkupLine(FormattableString.Invariant($"epoch {e.Epoch}: train MSE {e.TrainLoss:F4}, validation MSE {e.ValLoss:F4}, {e.Seconds:F1}s") + (e.Improved ? " [green]best[/]" : ""));
                    },
                    onStep: (epoch, step, loss) =>
                    {
                        task.Value = Math.Min(s.Seconds, sw.Elapsed.TotalSeconds);
                        task.Description = $"epoch {epoch} step {step} loss {loss:F3}";
                    },
                    stopWhen: () => sw.Elapsed.TotalSeconds > s.Seconds);
                task.Value = s.Seconds;
            });

        var test = data.Split("test");
        var m = InformerTraining.Evaluate(model, test, 32, data.Features, 0, device, stride: s.TestStride);
        var naive = NaiveMetrics(test, s.TestStride);
        var grid = new Grid().AddColumn().AddColumn(new GridColumn().RightAligned()).AddColumn(new GridColumn().RightAligned());
        grid.AddRow("[bold]ETTh1 test (scaled)[/]", "[bold]MSE[/]", "[bold]MAE[/]");
        grid.AddRow($"Informer (this demo: {epochs.Sum(e => e.Steps)} steps, {sw.Elapsed.TotalSeconds:F0} s of training)", $"{m.Mse:F3}", $"{m.Mae:F3}");
        grid.AddRow("naive: repeat the last hour", $"{naive.Mse:F3}", $"{naive.Mae:F3}");
        grid.AddRow("paper, Informer, 24 h (Table 1; seq_len 720, d_model 512, full training)", "0.098", "0.247");
        AnsiConsole.Write(new Panel(grid).Header($"{m.Windows} test windows{(s.TestStride > 1 ? $" (every {s.TestStride}th)" : "")}").Border(BoxBorder.Rounded));

        // A forecast inside the test period, so the truth can be shown beside it.
        int at = data.Borders2[2] - 24 * 10;
        var r = InformerPrediction.Predict(model, data, device, at);
        InformerRunner.PrintForecast(r);
        Directory.CreateDirectory(s.Output);
        var csv = Path.Combine(s.Output, "forecast.csv");
        var png = Path.Combine(s.Output, "forecast.png");
        InformerPrediction.WriteCsv(csv, r);
        InformerPrediction.WritePlot(png, r, $"Informer demo: OT 24 h after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm} (ETTh1 test period)");
        if (epochs.Count > 0) ForecastPlot.Losses(Path.Combine(s.Output, "loss.png"), "Informer demo on ETTh1", epochs);
        AnsiConsole.MarkupLineInterpolated($"written: {csv}, {png}, checkpoint {dir} (try: zoo predict informer {dir})");
        AnsiConsole.MarkupLineInterpolated($"done in {total.Elapsed.TotalSeconds:F0} s. A full training run: zoo train informer --features S --d_model 128 --d_ff 512 --max_steps 150 --itr 1 --threads 1 (see plugins/Zoo.Plugins.Informer/README.md)");
        return 0;
    }

    /// <summary>Scaled MSE/MAE of repeating the last known value over the horizon (a sanity baseline).</summary>
    private static Metrics NaiveMetrics(ForecastSplit split, int stride)
    {
        var o = split.Dataset.Options;
        double se = 0, ae = 0;
        long n = 0;
        var windows = split.Batches(32, shuffle: false, stride: stride).SelectMany(b => b).ToList();   // the model's windows (drop_last)
        foreach (var i in windows)
        {
            int s = split.Begin + i;
            for (int c = 0; c < split.Dataset.Channels; c++)
            {
                double last = split.Dataset.Scaled(s + o.SeqLen - 1, c);
                for (int t = 0; t < o.PredLen; t++)
                {
                    double d = split.Dataset.Scaled(s + o.SeqLen + t, c) - last;
                    se += d * d;
                    ae += Math.Abs(d);
                    n++;
                }
            }
        }
        return new Metrics(se / n, ae / n, windows.Count);
    }
}
