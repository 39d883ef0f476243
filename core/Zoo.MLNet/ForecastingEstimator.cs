using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.MLNet;

/// <summary>
/// One forecasting example: a history window and (for fitting) the steps that followed, row-major
/// [steps, channels] in original units, and the time of the last history step.
/// </summary>
public sealed class ForecastWindow
{
    /// <summary>[InputLength x channels] values.</summary>
    public float[] History { get; set; } = [];

    /// <summary>[Horizon x output channels] values that followed (needed to fit; ignored when scoring).</summary>
    public float[] Future { get; set; } = [];

    /// <summary>Time of the last history step.</summary>
    public DateTime LastTime { get; set; }
}

/// <summary>Output column: the forecast, row-major [Horizon x output channels], in original units.</summary>
public sealed class ForecastOutput
{
    public float[] Forecast { get; set; } = [];
}

/// <summary>Input of the scoring mapping.</summary>
public sealed class ForecastInput
{
    public float[] History { get; set; } = [];
    public DateTime LastTime { get; set; }
}

/// <summary>Options of <see cref="ForecastingEstimator"/>.</summary>
public sealed record ForecastingOptions
{
    /// <summary>The model as <c>name[@version][:preset]</c> (e.g. <c>informer:demo</c>), resolved through the catalog.</summary>
    public string Model { get; init; } = "informer";

    /// <summary>Config fields laid over the preset (the model's own snake_case names; null: the preset as is).</summary>
    public JsonObject? Overrides { get; init; }

    /// <summary>Version written into the checkpoint (null: the factory assembly's version).</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Spacing of the series (e.g. one hour); the time features of every step are computed from it.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromHours(1);

    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-4;
    public long Seed { get; init; } = 1;
}

/// <summary>
/// Fits any Zoo forecaster plugin (<see cref="IForecaster"/>, e.g. Informer) on <see cref="ForecastWindow"/> rows and
/// maps rows to forecasts. The model is asked for by name (<see cref="ForecastingOptions.Model"/>, a preset plus
/// overrides) from a catalog; its window lengths and channels must match the rows. A standard scaler is fitted on the training histories (the paper scales with training
/// statistics); the model is trained with Adam on MSE in scaled units and forecasts in original units.
/// Save and load with <see cref="ZooMLNet.SaveForecaster"/> and <see cref="ZooMLNet.LoadForecaster"/>.
/// </summary>
/// <param name="ml">The ML.NET context.</param>
/// <param name="catalog">The models to ask from (e.g. <c>new InMemoryCatalog().Add&lt;InformerFactory&gt;()</c>).</param>
/// <param name="options">The model, training and column options (null: the defaults).</param>
public sealed class ForecastingEstimator(MLContext ml, IZooCatalog catalog, ForecastingOptions? options = null) : IEstimator<ITransformer>
{
    private readonly MLContext _ml = ml;
    private readonly ForecastingOptions _options = options ?? new ForecastingOptions();

    public ITransformer Fit(IDataView input)
    {
        EstimatorSupport.RequireColumns(input.Schema, "; build windows with ZooForecasting.SlidingWindows", nameof(ForecastWindow.History), nameof(ForecastWindow.Future), nameof(ForecastWindow.LastTime));
        var rows = _ml.Data.CreateEnumerable<ForecastWindow>(input, reuseRowObject: false).ToList();
        if (rows.Count == 0) throw new ArgumentException("The data has no rows to fit on.");

        var built = EstimatorSupport.CreateModel(catalog, _options.Model, _options.Overrides, _options.ModelVersion, _options.Seed);
        var module = built.Module;
        var forecaster = module as IForecaster ?? throw new NotSupportedException($"{module.GetType().Name} is not a forecaster.");
        int L = forecaster.InputLength, H = forecaster.Horizon, C = forecaster.InputChannels, Co = forecaster.OutputChannels;
        for (int i = 0; i < rows.Count; i++)
        {
            ZooForecasting.CheckWindow(rows[i].History, L * C, $"row {i}: History");
            ZooForecasting.CheckWindow(rows[i].Future, H * Co, $"row {i}: Future");
        }

        // Standard scaler on the training histories, per channel.
        var mean = new double[C];
        var sq = new double[C];
        long n = 0;
        foreach (var r in rows)
            for (int t = 0; t < L; t++, n++)
                for (int c = 0; c < C; c++) { mean[c] += r.History[t * C + c]; sq[c] += (double)r.History[t * C + c] * r.History[t * C + c]; }
        var scaler = new ChannelScaler(
            mean.Select(m => (float)(m / n)).ToArray(),
            sq.Select((s, c) => (float)Math.Max(1e-6, Math.Sqrt(Math.Max(0, s / n - Math.Pow(mean[c] / n, 2))))).ToArray());
        var state = new ZooForecasterState(module, forecaster, scaler, _options.Step, built.Factory, built.Config, built.Name, built.Version);

        EstimatorSupport.Train(module, rows.Count, _options.Epochs, _options.BatchSize, _options.LearningRate, _options.Seed, idx =>
        {
            var batch = idx.Select(i => rows[i]).ToList();
            var (x, xt, ft) = state.Inputs(batch.Select(b => (b.History, b.LastTime)).ToList());
            var target = scaler.Scale(torch.stack(batch.Select(b => torch.tensor(b.Future).reshape(H, Co)).ToArray()), C - Co);
            return nn.functional.mse_loss(forecaster.Forecast(x, xt, null, ft), target);
        });
        return ZooMLNet.CreateForecastTransformer(_ml, state, input);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        _ml.Transforms.CustomMapping<ForecastInput, ForecastOutput>((_, _) => { }, contractName: null).GetOutputSchema(inputSchema);
}

/// <summary>Per-channel standard scaler.</summary>
public sealed record ChannelScaler(float[] Mean, float[] Std)
{
    /// <summary>Scales [B, T, C'] values whose channels are the scaler's channels from <paramref name="offset"/> on.</summary>
    public Tensor Scale(Tensor x, int offset = 0) => (x - Slice(Mean, offset, x)) / Slice(Std, offset, x);

    public Tensor Unscale(Tensor x, int offset = 0) => x * Slice(Std, offset, x) + Slice(Mean, offset, x);

    private static Tensor Slice(float[] v, int offset, Tensor like) => torch.tensor(v[offset..(offset + (int)like.shape[^1])]);
}

/// <summary>The spacing of a forecaster's series (checkpoint side data <c>series_step</c>).</summary>
public sealed record SeriesStep
{
    public const string Key = "series_step";

    public double Seconds { get; init; }
}

/// <summary>A fitted forecaster the scoring mapping uses.</summary>
public sealed record ZooForecasterState(nn.Module Module, IForecaster Forecaster, ChannelScaler Scaler, TimeSpan Step, IModelFactory Factory,
    object Config, string ModelName, string ModelVersion)
{
    /// <summary>The scaler (<see cref="ScalerStats"/>) and the step (<see cref="SeriesStep"/>) as typed checkpoint side data.</summary>
    public CheckpointSideData SideData() => new CheckpointSideData()
        .With(ScalerStats.Key, new ScalerStats { Mean = Scaler.Mean, Std = Scaler.Std })
        .With(SeriesStep.Key, new SeriesStep { Seconds = Step.TotalSeconds });

    /// <summary>The state of a loaded checkpoint; reads the typed side data, or the fields older zips kept (scaler_mean, scaler_std, step_seconds).</summary>
    public static ZooForecasterState FromCheckpoint(nn.Module module, IModelFactory factory, object config, CheckpointInfo info, string path)
    {
        var forecaster = module as IForecaster ?? throw new InvalidDataException($"{path}: {module.GetType().Name} is not a forecaster.");
        float[] Legacy(string key) => info.Extra[key]?.AsArray().Select(n => n!.GetValue<float>()).ToArray()
            ?? throw new InvalidDataException($"{path}: the checkpoint has no \"{ScalerStats.Key}\" (nor {key}).");
        var stats = info.Side<ScalerStats>(ScalerStats.Key) ?? new ScalerStats { Mean = Legacy("scaler_mean"), Std = Legacy("scaler_std") };
        double seconds = info.Side<SeriesStep>(SeriesStep.Key)?.Seconds ?? info.Extra["step_seconds"]?.GetValue<double>()
            ?? throw new InvalidDataException($"{path}: the checkpoint has no \"{SeriesStep.Key}\".");
        return new ZooForecasterState(module, forecaster, new ChannelScaler(stats.Mean, stats.Std), TimeSpan.FromSeconds(seconds), factory, config,
            info.Model, info.Version);
    }

    /// <summary>Scaled history [B, L, C], its time features [B, L, F] and the horizon's [B, H, F].</summary>
    internal (Tensor History, Tensor HistoryTime, Tensor FutureTime) Inputs(IReadOnlyList<(float[] History, DateTime LastTime)> windows)
    {
        int L = Forecaster.InputLength, H = Forecaster.Horizon, C = Forecaster.InputChannels, F = Forecaster.TimeFeatureCount;
        var x = Scaler.Scale(torch.stack(windows.Select(w => torch.tensor(w.History).reshape(L, C)).ToArray()));
        var past = windows.SelectMany(w => Enumerable.Range(0, L).Select(i => w.LastTime - (L - 1 - i) * Step)).ToList();
        var future = windows.SelectMany(w => Enumerable.Range(1, H).Select(j => w.LastTime + j * Step)).ToList();
        return (x, torch.tensor(Forecaster.EncodeTime(past)).reshape(windows.Count, L, F), torch.tensor(Forecaster.EncodeTime(future)).reshape(windows.Count, H, F));
    }

    public float[] Predict(float[] history, DateTime lastTime)
    {
        ZooForecasting.CheckWindow(history, Forecaster.InputLength * Forecaster.InputChannels, "History");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var (x, xt, ft) = Inputs([(history, lastTime)]);
        var y = Scaler.Unscale(Forecaster.Forecast(x, xt, null, ft), Forecaster.InputChannels - Forecaster.OutputChannels);
        return y.reshape(-1).data<float>().ToArray();
    }
}

/// <summary>The ML.NET mapping factory for forecasters; found by contract name when a saved model is loaded.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ZooForecasterMappingFactory : CustomMappingFactory<ForecastInput, ForecastOutput>
{
    public const string ContractName = "Zoo.Forecaster.v1";

    internal static ZooForecasterState? Current { get; set; }

    public override Action<ForecastInput, ForecastOutput> GetMapping()
    {
        var state = Current ?? throw new InvalidOperationException("Load Zoo ML.NET forecasters with ZooMLNet.LoadForecaster (the weights are stored beside the mapping).");
        return (input, output) => output.Forecast = state.Predict(input.History, input.LastTime);
    }
}

/// <summary>Building forecasting windows from a series.</summary>
public static class ZooForecasting
{
    /// <summary>
    /// Sliding windows over a series ([rows][channels], sorted by time): history of <paramref name="inputLength"/> steps over
    /// all channels, future of <paramref name="horizon"/> steps over the last <paramref name="outputChannels"/> channels.
    /// </summary>
    public static IEnumerable<ForecastWindow> SlidingWindows(IReadOnlyList<DateTime> times, IReadOnlyList<float[]> values, int inputLength, int horizon, int outputChannels, int stride = 1)
    {
        if (times.Count != values.Count) throw new ArgumentException($"{times.Count} timestamps but {values.Count} rows of values.");
        if (times.Count < inputLength + horizon) throw new ArgumentException($"The series has {times.Count} rows; one window needs {inputLength + horizon}.");
        int c = values[0].Length;
        for (int s = 0; s + inputLength + horizon <= values.Count; s += stride)
        {
            var history = new float[inputLength * c];
            for (int t = 0; t < inputLength; t++) values[s + t].CopyTo(history, t * c);
            var future = new float[horizon * outputChannels];
            for (int t = 0; t < horizon; t++) Array.Copy(values[s + inputLength + t], c - outputChannels, future, t * outputChannels, outputChannels);
            yield return new ForecastWindow { History = history, Future = future, LastTime = times[s + inputLength - 1] };
        }
    }

    internal static void CheckWindow(float[] v, int expected, string what)
    {
        if (v.Length != expected) throw new ArgumentException($"{what} has {v.Length} values, expected {expected} (steps x channels of the model).");
        for (int i = 0; i < v.Length; i++)
            if (!float.IsFinite(v[i])) throw new ArgumentException($"{what}: value {i} is {v[i]}.");
    }
}
