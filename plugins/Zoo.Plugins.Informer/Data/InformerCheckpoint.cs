using Zoo.Core;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Informer;

/// <summary>How a checkpoint's training data was read and windowed (side data <c>forecast_data</c>).</summary>
public sealed record ForecastDataSettings
{
    public const string Key = "forecast_data";

    /// <summary>The key older checkpoints used (same fields).</summary>
    public const string LegacyKey = "data";

    public string Path { get; init; } = "";
    public string Features { get; init; } = "M";
    public string Target { get; init; } = "OT";
    public string Freq { get; init; } = "h";
    public string Embed { get; init; } = "timeF";
    public string DateColumn { get; init; } = "date";
    public int SeqLen { get; init; }
    public int LabelLen { get; init; }
    public int PredLen { get; init; }

    /// <summary>The <see cref="SplitScheme"/> by name (EttHour, EttMinute, Ratio).</summary>
    public string Split { get; init; } = nameof(SplitScheme.Auto);
}

/// <summary>The train-only scaler with its column names, in double precision (side data <c>scaler</c>).</summary>
public sealed record ForecastScalerStats
{
    public const string Key = ScalerStats.Key;

    public string[] Columns { get; init; } = [];
    public double[] Mean { get; init; } = [];
    public double[] Std { get; init; } = [];
}

/// <summary>What an Informer checkpoint carries besides the weights: the data settings and the train-only scaler.</summary>
public static class InformerCheckpoint
{
    /// <summary>Typed side data for <see cref="Checkpoint.Save"/>.</summary>
    public static CheckpointSideData SideData(ForecastDataset data)
    {
        var o = data.Options;
        return new CheckpointSideData()
            .With(ForecastDataSettings.Key, new ForecastDataSettings
            {
                Path = System.IO.Path.GetFullPath(o.Path), Features = data.Features, Target = o.Target, Freq = o.Freq, Embed = o.Embed,
                DateColumn = o.DateColumn, SeqLen = o.SeqLen, LabelLen = o.LabelLen, PredLen = o.PredLen, Split = data.Scheme.ToString(),
            })
            .With(ForecastScalerStats.Key, new ForecastScalerStats { Columns = data.Columns, Mean = data.Scaler.Mean, Std = data.Scaler.Std });
    }

    /// <summary>Saves <paramref name="model"/> with the data settings and scaler of <paramref name="data"/> (atomic).</summary>
    public static void Save(string directory, InformerModel model, ForecastDataset data) =>
        Checkpoint.Save(directory, InformerFactory.Name, InformerFactory.Version, new InformerFactory(), model.Config, model, side: SideData(data));

    /// <summary>Loads model, data options (the file can be overridden) and scaler from a checkpoint folder.</summary>
    public static (InformerModel Model, DataOptions Data, StandardScaler Scaler, string[] Columns) Load(
        string directory, string? dataPathOverride = null, IZooContext? context = null)
    {
        var (module, _, info) = Checkpoint.Load(directory, new InformerFactory(), context);
        var model = (InformerModel)module;
        var cfgPath = System.IO.Path.Combine(directory, Checkpoint.ConfigFile);
        try
        {
            // Checkpoints before typed side data kept the same fields under "data".
            var d = info.Side<ForecastDataSettings>(ForecastDataSettings.Key) ?? info.Side<ForecastDataSettings>(ForecastDataSettings.LegacyKey)
                ?? throw new InvalidDataException($"no \"{ForecastDataSettings.Key}\" section (not an Informer training checkpoint)");
            var s = info.RequireSide<ForecastScalerStats>(ForecastScalerStats.Key);
            var data = new DataOptions
            {
                Path = dataPathOverride ?? d.Path, Features = d.Features, Target = d.Target, Freq = d.Freq, Embed = d.Embed,
                DateColumn = d.DateColumn, SeqLen = d.SeqLen, LabelLen = d.LabelLen, PredLen = d.PredLen,
                Split = Enum.Parse<SplitScheme>(d.Split, ignoreCase: true),
            };
            return (model, data, new StandardScaler(s.Mean, s.Std), s.Columns);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
        {
            model.Dispose();
            throw new InvalidDataException($"{cfgPath}: malformed Informer checkpoint metadata ({ex.Message}).", ex);
        }
    }
}
