// Informer as an ML.NET estimator: forecast ETTh1's oil temperature (OT) 24 hours ahead from the last 96 hours,
// fitted inside an ML.NET pipeline, saved with mlContext.Model.Save (weights inside the zip) and loaded again.
//
//   dotnet run --project samples/MLNetForecasting [-- path/to/ETTh1.csv]
using System.Text.Json.Nodes;
using Microsoft.ML;
using Zoo.MLNet;
using Zoo.Plugins.Informer;

TorchSharp.torch.set_num_threads(1);   // small model: idle OpenMP threads only spin on a busy machine
var csv = args.Length > 0 ? args[0] : FindEtt();
var table = TimeSeriesCsv.Read(csv);
var ot = table.Values[table.ColumnIndex("OT")];
const int SeqLen = 96, Horizon = 24;

// The paper's ETTh split: 12 months train, 4 validation, 4 test (hourly rows).
int trainEnd = 12 * 30 * 24, testStart = trainEnd + 4 * 30 * 24, testEnd = testStart + 4 * 30 * 24;
var series = ot.Select(v => new[] { (float)v }).ToList();
var stamps = table.Stamps.ToList();
var trainWindows = ZooForecasting.SlidingWindows(stamps[..trainEnd], series[..trainEnd], SeqLen, Horizon, 1, stride: 4).ToList();
var testWindows = ZooForecasting.SlidingWindows(stamps[(testStart - SeqLen)..testEnd], series[(testStart - SeqLen)..testEnd], SeqLen, Horizon, 1, stride: 24).ToList();
Console.WriteLine($"{csv}: {table.Rows} hourly rows; {trainWindows.Count} training windows, {testWindows.Count} test windows");

var ml = new MLContext(seed: 1);
var config = new JsonObject
{
    ["enc_in"] = 1, ["dec_in"] = 1, ["c_out"] = 1, ["seq_len"] = SeqLen, ["label_len"] = 48, ["out_len"] = Horizon,
    ["d_model"] = 64, ["n_heads"] = 4, ["e_layers"] = 2, ["d_layers"] = 1, ["d_ff"] = 128, ["dropout"] = 0.05, ["attn"] = "prob", ["freq"] = "h",
};
var estimator = new ForecastingEstimator(ml, new InformerFactory(), new ForecastingOptions
{
    ModelName = "informer", ModelConfig = config, Step = table.TypicalStep(), Epochs = 6, BatchSize = 32, LearningRate = 5e-4,
});
var sw = System.Diagnostics.Stopwatch.StartNew();
var model = estimator.Fit(ml.Data.LoadFromEnumerable(trainWindows));
Console.WriteLine($"fitted Informer in {sw.Elapsed.TotalSeconds:F0} s");

(double Mse, double Mae) Score(ITransformer m, MLContext ctx)
{
    var forecasts = ctx.Data.CreateEnumerable<ForecastOutput>(m.Transform(ctx.Data.LoadFromEnumerable(testWindows)), reuseRowObject: false).ToList();
    var errors = forecasts.Zip(testWindows).SelectMany(p => p.First.Forecast.Zip(p.Second.Future, (f, y) => (double)f - y)).ToList();
    return (errors.Average(e => e * e), errors.Average(Math.Abs));
}
var naive = testWindows.SelectMany(w => w.Future.Select(y => (double)y - w.History[^1])).ToList();
var (mse, mae) = Score(model, ml);
Console.WriteLine($"test (original units, °C): Informer MSE {mse:F3} MAE {mae:F3}; repeat-last-hour MSE {naive.Average(e => e * e):F3} MAE {naive.Average(Math.Abs):F3}");

var zip = Path.Combine(Directory.CreateTempSubdirectory("zoo-forecast-").FullName, "informer-etth1.zip");
ZooMLNet.SaveForecaster(ml, model, ml.Data.LoadFromEnumerable(trainWindows).Schema, zip);
var ml2 = new MLContext(seed: 2);
var loaded = ZooMLNet.LoadForecaster(ml2, zip, new InformerFactory(), out _);
var (mse2, mae2) = Score(loaded, ml2);
Console.WriteLine($"saved to {zip} and loaded again: MSE {mse2:F3} MAE {mae2:F3} (ProbSparse samples keys at random, so small differences are expected)");

static string FindEtt()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir != null && !File.Exists(Path.Combine(dir.FullName, "data", "ett", "ETTh1.csv"))) dir = dir.Parent;
    return dir != null ? Path.Combine(dir.FullName, "data", "ett", "ETTh1.csv")
        : throw new FileNotFoundException("data/ett/ETTh1.csv not found; pass the path as the first argument.");
}
