using System.ComponentModel;
using TorchSharp;
using Zoo.Core;

namespace Zoo.Plugins.Informer;

/// <summary>Options of <c>zoo eval informer CHECKPOINT</c> (or the common <c>--checkpoint</c>/<c>-c</c>).</summary>
public sealed class InformerEvalOptions
{
    [Positional, Description("checkpoint folder written by zoo train informer (or the common -c/--checkpoint)")]
    public string? CheckpointDir { get; set; }

    [Description("evaluate on another file with the same columns (default: the training file; also --data FILE)")]
    public string? DataPath { get; set; }

    [Description("which split to score"), AllowedValues("train", "val", "test")] public string Split { get; set; } = "test";
}

/// <summary>Options of <c>zoo predict informer</c> (checkpoint: <c>-c</c>; output prefix: <c>--out</c>/<c>-o</c>/<c>--output</c>).</summary>
public sealed class InformerPredictOptions
{
    [Positional, Description("checkpoint folder written by zoo train informer (or the common -c/--checkpoint)")]
    public string? CheckpointDir { get; set; }

    [Description("series to forecast (default: the training file; also --data FILE); its columns must match")] public string? DataPath { get; set; }

    [Description("forecast after this many rows instead of after the end of the file (the truth is then plotted too)")] public int? At { get; set; }
}

/// <summary><c>zoo eval informer CHECKPOINT</c>: MSE/MAE of a checkpoint on the scaled split (the training scaler travels with it).</summary>
public sealed class InformerEvalRecipe() : Recipe<InformerEvalOptions>(ZooVerbs.Eval, InformerFactory.Name,
    "MSE/MAE of an Informer checkpoint on the scaled test split")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => InformerTrainRecipe.OfficialAliases;

    public override int Run(IZooContext context, CommonOptions common, InformerEvalOptions s)
    {
        var folder = InformerCheckpointRecipe.Folder(s.CheckpointDir, common, "eval");
        var dataPath = s.DataPath ?? common.Data;
        var (model, options, scaler, _) = InformerCheckpoint.Load(folder, dataPath, context);
        using (model)
        {
            model.to(context.Device);
            var data = new ForecastDataset(options, scaler: dataPath is null ? null : scaler);
            var m = InformerTraining.Evaluate(model, data.Split(s.Split), common.BatchSize ?? 32, data.Features, 0, context.Device);
            context.Output.Line($"{folder} on {data.Table.Path} ({s.Split}, {m.Windows} windows, features {data.Features}, scaled): " +
                FormattableString.Invariant($"mse {m.Mse:F4}, mae {m.Mae:F4} (rmse {m.Rmse:F4})"));
        }
        return 0;
    }
}

/// <summary><c>zoo predict informer CHECKPOINT [-o PREFIX]</c>: PREFIX.csv (original units) and PREFIX.png.</summary>
public sealed class InformerPredictRecipe() : Recipe<InformerPredictOptions>(ZooVerbs.Predict, InformerFactory.Name,
    "Forecast the horizon after a series: CSV in original units + PNG plot")
{
    public override IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--output"] = "--out" };

    public override int Run(IZooContext context, CommonOptions common, InformerPredictOptions s)
    {
        var folder = InformerCheckpointRecipe.Folder(s.CheckpointDir, common, "predict");
        var prefix = common.Out ?? "forecast";
        var (model, options, scaler, columns) = InformerCheckpoint.Load(folder, s.DataPath ?? common.Data, context);
        using (model)
        {
            model.to(context.Device);
            // The training scaler maps the model's outputs back to original units, whatever file is forecast.
            var data = new ForecastDataset(options with { Split = SplitScheme.None }, scaler: scaler);
            if (!data.Columns.SequenceEqual(columns))
                throw new InvalidDataException($"{data.Table.Path}: columns {string.Join(", ", data.Columns)} " +
                    $"differ from the checkpoint's {string.Join(", ", columns)}.");
            var r = InformerPrediction.Predict(model, data, context.Device, s.At);
            InformerPrediction.WriteCsv(prefix + ".csv", r, options.DateColumn);
            InformerPrediction.WritePlot(prefix + ".png", r, $"Informer: {options.PredLen} steps after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm}");
            InformerPrediction.Print(context.Output, r);
            context.Output.Line($"written: {prefix}.csv (original units), {prefix}.png");
        }
        return 0;
    }
}

internal static class InformerCheckpointRecipe
{
    public static string Folder(string? positional, CommonOptions common, string verb) => positional ?? common.Checkpoint
        ?? throw new ArgumentException($"Give the checkpoint folder: zoo {verb} informer CHECKPOINT (or -c DIR).");
}
