using System.ComponentModel;
using System.Diagnostics;
using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.Training;

namespace Zoo.Plugins.Informer;

/// <summary>Options of <c>zoo demo informer</c> (output folder: <c>--out</c>/<c>-o</c>/<c>--output</c>; threads: the host's <c>--threads</c>).</summary>
public sealed class InformerDemoOptions
{
    [Description("default: data/ett/ETTh1.csv shipped with Zoo (also --data FILE)")] public string? DataPath { get; set; }

    [Description("training budget in seconds")] public int Seconds { get; set; } = 20;

    [Description("score every n-th test window (1 = all 2,857 windows, as the paper)")] public int TestStride { get; set; } = 4;
}

/// <summary>
/// zoo demo informer: the <c>informer:demo</c> preset (univariate, ProbSparse attention, distilling, generative decoder)
/// learns ETTh1 oil temperature for a fixed time budget, is scored on the paper's test split against a naive forecast,
/// and forecasts 24 hours. It runs on the threads the host set (<c>--threads</c>); it never sets them itself.
/// </summary>
public sealed class InformerDemoRecipe() : Recipe<InformerDemoOptions>(ZooVerbs.Demo, InformerFactory.Name,
    "Train a small Informer on ETTh1 for ~30 s and forecast oil temperature")
{
    public override IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--output"] = "--out" };

    public override int Run(IZooContext context, CommonOptions common, InformerDemoOptions s)
    {
        var output = context.Output;
        var total = Stopwatch.StartNew();
        var outDir = common.Out ?? Path.Combine("demo-output", "informer");
        var path = s.DataPath ?? common.Data ?? ShippedData.Require("data/ett/ETTh1.csv");
        var config = (InformerConfig)new InformerFactory().Configure(common.Preset ?? "demo", common.Overrides);
        var data = new ForecastDataset(new DataOptions
        {
            Path = path, Features = config.COut == 1 && config.EncIn == 1 ? "S" : "M", Target = "OT",
            SeqLen = config.SeqLen, LabelLen = config.LabelLen, PredLen = config.OutLen, Freq = config.Freq, Embed = config.Embed,
        });
        output.Line($"Informer demo: forecast transformer oil temperature (OT) {config.OutLen} h ahead from the last {config.SeqLen} h, " +
            $"{Path.GetFileName(path)} ({data.Table.Rows} hourly rows, split {data.Scheme})");
        long seed = common.Seed ?? 2021;
        TorchSharp.torch.manual_seed(seed);
        using var model = new InformerModel(config);
        model.to(context.Device);
        output.Line($"model: informer:{common.Preset ?? "demo"}: d_model {config.DModel}, {config.NHeads} heads, {config.ELayers} encoder layers" +
            $"{(config.Distil ? " with distilling" : "")}, {config.DLayers} decoder layer(s), {config.Attn} attention, " +
            $"{model.parameters().Sum(p => p.numel()):N0} parameters, {TorchSharp.torch.get_num_threads()} thread(s)");

        // Budget: epochs of at most 40 steps (batch 32, lr 1e-3) until the time budget is spent.
        var options = new TrainOptions
        {
            TrainEpochs = common.Epochs ?? 50, BatchSize = common.BatchSize ?? 32, LearningRate = common.Lr ?? 1e-3, Patience = 3,
            MaxStepsPerEpoch = common.Steps ?? 40, MaxEvalBatches = 8, Seed = seed, TimeBudget = TimeSpan.FromSeconds(s.Seconds),
        };
        var dir = Path.Combine(outDir, "checkpoint");
        var sw = Stopwatch.StartNew();
        var history = InformerTraining.Train(context, model, data, options, dir,
            (e, lr) => output.Line(InformerTrainRecipe.EpochLine(e, options.TrainEpochs, lr)));
        double trainSeconds = sw.Elapsed.TotalSeconds;

        var test = data.Split("test");
        var m = InformerTraining.Evaluate(model, test, 32, data.Features, 0, context.Device, stride: s.TestStride);
        var naive = NaiveMetrics(test, s.TestStride);
        string F(double v) => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        output.Table($"ETTh1 test (scaled), {m.Windows} test windows{(s.TestStride > 1 ? $" (every {s.TestStride}th)" : "")}", ["model", "MSE", "MAE"],
        [
            [$"Informer (this demo: {history.TotalSteps} steps, {trainSeconds:F0} s of training)", F(m.Mse), F(m.Mae)],
            ["naive: repeat the last hour", F(naive.Mse), F(naive.Mae)],
            ["paper, Informer, 24 h (Table 1; seq_len 720, d_model 512, full training)", "0.098", "0.247"],
        ]);

        // A forecast inside the test period, so the truth can be shown beside it.
        int at = data.Borders2[2] - 24 * 10;
        var r = InformerPrediction.Predict(model, data, context.Device, at);
        InformerPrediction.Print(output, r);
        Directory.CreateDirectory(outDir);
        var csv = Path.Combine(outDir, "forecast.csv");
        var png = Path.Combine(outDir, "forecast.png");
        InformerPrediction.WriteCsv(csv, r);
        InformerPrediction.WritePlot(png, r, $"Informer demo: OT {config.OutLen} h after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm} (ETTh1 test period)");
        history.Plot(Path.Combine(outDir, "loss.png"), "Informer demo on ETTh1", "MSE (scaled)", "validation MSE");
        output.Line($"written: {csv}, {png}, checkpoint {dir} (try: zoo predict informer -c {dir})");
        output.Line($"done in {total.Elapsed.TotalSeconds:F0} s. A full training run: zoo train informer --features S --d_model 128 --d_ff 512 " +
            "--max_steps 150 --itr 1 --threads 1 (see plugins/Zoo.Plugins.Informer/README.md)");
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
