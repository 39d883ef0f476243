// Informer as an ML.NET estimator: forecast ETTh1's oil temperature (OT) 24 hours ahead from the last 96 hours,
// fitted inside an ML.NET pipeline, saved with mlContext.Model.Save (weights inside the zip) and loaded again.
//
//   dotnet run --project samples/MLNetForecasting [-- path/to/ETTh1.csv]
using Microsoft.ML;
using Zoo.Core;
using Zoo.MLNet;
using Zoo.Plugins.Informer;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.TimeSeries;

TorchSharp.torch.set_num_threads(1);   // small model: idle OpenMP threads only spin on a busy machine
var csv = args.Length > 0 ? args[0] : ShippedData.Require("data/ett/ETTh1.csv");
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
// informer:demo is univariate, 96 h -> 24 h, d_model 64, 4 heads, ProbSparse attention (the plugin's preset; no config fields here).
var catalog = new InMemoryCatalog().Add<InformerFactory>();
var estimator = new ForecastingEstimator(ml, catalog, new ForecastingOptions
{
    Model = "informer:demo", Step = table.TypicalStep(), Epochs = 6, BatchSize = 32, LearningRate = 5e-4,
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
