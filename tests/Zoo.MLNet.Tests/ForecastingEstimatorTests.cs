using Microsoft.ML;
using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.Informer;
using static TorchSharp.torch;

namespace Zoo.MLNet.Tests;

public sealed record LinearForecasterConfig
{
    public int SeqLen { get; init; } = 8;
    public int OutLen { get; init; } = 4;
}

/// <summary>A linear autoregressive forecaster (one channel, no time features): a sine continues linearly, so it can fit exactly.</summary>
public sealed class LinearForecaster : nn.Module<Tensor, Tensor>, IForecaster
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> proj;
#pragma warning restore IDE1006

    public LinearForecaster(LinearForecasterConfig c) : base("LinearForecaster")
    {
        InputLength = c.SeqLen;
        Horizon = c.OutLen;
        proj = nn.Linear(c.SeqLen, c.OutLen);
        RegisterComponents();
    }

    public int InputLength { get; }
    public int Horizon { get; }
    public int InputChannels => 1;
    public int OutputChannels => 1;
    public int TimeFeatureCount => 0;
    public float[] EncodeTime(IReadOnlyList<DateTime> stamps) => [];
    public Tensor Forecast(Tensor history, Tensor historyTime, Tensor? decoderInput, Tensor futureTime) => forward(history);
    public override Tensor forward(Tensor history) => proj.call(history.squeeze(-1)).unsqueeze(-1);
}

[ZooExport(typeof(IModelFactory), "linear", Task = ZooTasks.Forecasting)]
public sealed class LinearForecasterFactory : ModelFactory<LinearForecasterConfig>
{
    public override nn.Module Create(LinearForecasterConfig config) => new LinearForecaster(config);
}

[TestClass]
public sealed class ForecastingEstimatorTests
{
    private static readonly IZooCatalog Linear = new InMemoryCatalog().Add<LinearForecasterFactory>();

    private static (List<DateTime> Times, List<float[]> Values) Sine(int n, double noise = 0)
    {
        var rng = new Random(3);
        var start = new DateTime(2020, 1, 1);
        var times = Enumerable.Range(0, n).Select(i => start.AddHours(i)).ToList();
        var values = Enumerable.Range(0, n).Select(i => new[] { (float)(10 + 3 * Math.Sin(2 * Math.PI * i / 24) + noise * (rng.NextDouble() - 0.5)) }).ToList();
        return (times, values);
    }

    [TestMethod]
    public void LearnsASineAndRoundTripsThroughModelSave()
    {
        var ml = new MLContext(seed: 1);
        var (times, values) = Sine(400);
        var windows = ZooForecasting.SlidingWindows(times, values, 8, 4, 1).ToList();
        var train = ml.Data.LoadFromEnumerable(windows.Take(300));
        var test = ml.Data.LoadFromEnumerable(windows.Skip(300));
        var estimator = new ForecastingEstimator(ml, Linear, new ForecastingOptions { Model = "linear", Epochs = 60, LearningRate = 1e-2, BatchSize = 32 });
        var model = estimator.Fit(train);

        var forecasts = ml.Data.CreateEnumerable<ForecastOutput>(model.Transform(test), reuseRowObject: false).ToList();
        var truth = windows.Skip(300).ToList();
        double mse = forecasts.Zip(truth).Average(p => p.First.Forecast.Zip(p.Second.Future).Average(q => Math.Pow(q.First - q.Second, 2)));
        double naive = truth.Average(w => w.Future.Average(f => Math.Pow(f - w.History[^1], 2)));   // repeat the last value
        Close.Below(0.05, mse, $"forecast MSE {mse:F4} (original units, amplitude 3)");
        Close.Below(naive / 10, mse, $"forecast MSE {mse:F4} vs repeat-last {naive:F4}");

        var path = Path.Combine(Directory.CreateTempSubdirectory("zoo-mlnet-").FullName, "forecaster.zip");
        ZooMLNet.SaveForecaster(ml, model, train.Schema, path);
        var ml2 = new MLContext(seed: 2);
        var loaded = ZooMLNet.LoadForecaster(ml2, path, new LinearForecasterFactory(), out _);
        var again = ml2.Data.CreateEnumerable<ForecastOutput>(loaded.Transform(ml2.Data.LoadFromEnumerable(truth)), reuseRowObject: false).ToList();
        for (int i = 0; i < again.Count; i++)
            CollectionAssert.AreEqual(forecasts[i].Forecast, again[i].Forecast);
    }

    [TestMethod]
    public void InformerPluginFitsInsideAnMlNetPipeline()
    {
        var ml = new MLContext(seed: 1);
        var (times, values) = Sine(200, noise: 0.2);
        // informer:tiny: 1 channel, 24 -> 6 steps, d_model 16, no dropout, full attention (ProbSparse samples keys at random
        // on every call; full attention makes the round trip exact).
        var windows = ZooForecasting.SlidingWindows(times, values, 24, 6, 1, stride: 2).ToList();
        var data = ml.Data.LoadFromEnumerable(windows);
        var model = new ForecastingEstimator(ml, new InMemoryCatalog().Add<InformerFactory>(), new ForecastingOptions { Model = "informer:tiny", Epochs = 2, LearningRate = 1e-3 }).Fit(data);
        var forecasts = ml.Data.CreateEnumerable<ForecastOutput>(model.Transform(data), reuseRowObject: false).Take(5).ToList();
        Assert.AreEqual(6, forecasts[0].Forecast.Length);
        Assert.IsTrue(forecasts.All(f => f.Forecast.All(float.IsFinite)));
        // Original units: forecasts sit around the series level (10), not around the scaled zero.
        Close.Above(5.0, forecasts.Average(f => f.Forecast.Average()), "mean forecast (original units)");

        var path = Path.Combine(Directory.CreateTempSubdirectory("zoo-mlnet-").FullName, "informer.zip");
        ZooMLNet.SaveForecaster(ml, model, data.Schema, path);
        var ml2 = new MLContext(seed: 2);
        var loaded = ZooMLNet.LoadForecaster(ml2, path, new InformerFactory(), out _);
        var again = ml2.Data.CreateEnumerable<ForecastOutput>(loaded.Transform(ml2.Data.LoadFromEnumerable(windows)), reuseRowObject: false).Take(5).ToList();
        for (int i = 0; i < 5; i++)
            for (int k = 0; k < 6; k++) Close.Within(forecasts[i].Forecast[k], again[i].Forecast[k], 1e-5, $"forecast {i}, step {k} after reload");
    }

    [TestMethod]
    public void WrongWindowSizeAndMissingColumnsAreClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var bad = ml.Data.LoadFromEnumerable(new[] { new ForecastWindow { History = new float[5], Future = new float[4], LastTime = DateTime.UnixEpoch } });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ForecastingEstimator(ml, Linear, new ForecastingOptions { Model = "linear" }).Fit(bad));
        StringAssert.Contains(ex.Message, "row 0: History has 5 values, expected 8");

        var nan = ml.Data.LoadFromEnumerable(new[] { new ForecastWindow { History = [1, 2, 3, float.NaN, 5, 6, 7, 8], Future = new float[4], LastTime = DateTime.UnixEpoch } });
        ex = Assert.ThrowsExactly<ArgumentException>(() => new ForecastingEstimator(ml, Linear, new ForecastingOptions { Model = "linear" }).Fit(nan));
        StringAssert.Contains(ex.Message, "value 3 is NaN");

        var noFuture = ml.Data.LoadFromEnumerable(new[] { new { History = new float[8] } });
        var ex2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ForecastingEstimator(ml, Linear, new ForecastingOptions { Model = "linear" }).Fit(noFuture));
        StringAssert.Contains(ex2.Message, "no column 'Future'");

        var (times, values) = Sine(10);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ZooForecasting.SlidingWindows(times, values, 8, 4, 1).ToList()).Message, "one window needs 12");
    }
}
