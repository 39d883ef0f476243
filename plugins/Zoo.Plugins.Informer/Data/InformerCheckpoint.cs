using System.Text.Json.Nodes;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.Informer;

/// <summary>What an Informer checkpoint carries besides the weights: the data settings and the train-only scaler.</summary>
public static class InformerCheckpoint
{
    public static JsonObject Extra(ForecastDataset data, JsonObject? training = null)
    {
        var o = data.Options;
        var extra = new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["path"] = Path.GetFullPath(o.Path),
                ["features"] = data.Features,
                ["target"] = o.Target,
                ["freq"] = o.Freq,
                ["embed"] = o.Embed,
                ["date_column"] = o.DateColumn,
                ["seq_len"] = o.SeqLen,
                ["label_len"] = o.LabelLen,
                ["pred_len"] = o.PredLen,
                ["split"] = data.Scheme.ToString(),
            },
            ["scaler"] = new JsonObject
            {
                ["columns"] = new JsonArray(data.Columns.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
                ["mean"] = new JsonArray(data.Scaler.Mean.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["std"] = new JsonArray(data.Scaler.Std.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
            },
        };
        if (training != null) extra["training"] = training;
        return extra;
    }

    /// <summary>Loads model, data options (the file can be overridden) and scaler from a checkpoint folder.</summary>
    public static (InformerModel Model, DataOptions Data, StandardScaler Scaler, string[] Columns) Load(string directory, string? dataPathOverride = null)
    {
        var (module, _, info) = Checkpoint.Load(directory, new InformerFactory());
        var model = (InformerModel)module;
        var cfgPath = Path.Combine(directory, Checkpoint.ConfigFile);
        try
        {
            var d = info.Extra["data"]?.AsObject() ?? throw new InvalidDataException("no \"data\" section (not an Informer training checkpoint)");
            var s = info.Extra["scaler"]?.AsObject() ?? throw new InvalidDataException("no \"scaler\" section");
            var data = new DataOptions
            {
                Path = dataPathOverride ?? d["path"]!.GetValue<string>(),
                Features = d["features"]!.GetValue<string>(),
                Target = d["target"]!.GetValue<string>(),
                Freq = d["freq"]!.GetValue<string>(),
                Embed = d["embed"]!.GetValue<string>(),
                DateColumn = d["date_column"]!.GetValue<string>(),
                SeqLen = d["seq_len"]!.GetValue<int>(),
                LabelLen = d["label_len"]!.GetValue<int>(),
                PredLen = d["pred_len"]!.GetValue<int>(),
                Split = Enum.Parse<SplitScheme>(d["split"]!.GetValue<string>()),
            };
            var scaler = new StandardScaler(s["mean"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), s["std"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
            var columns = s["columns"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
            return (model, data, scaler, columns);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NullReferenceException or ArgumentException or FormatException)
        {
            model.Dispose();
            throw new InvalidDataException($"{cfgPath}: malformed Informer checkpoint metadata ({ex.Message}).", ex);
        }
        catch (InvalidDataException ex)
        {
            model.Dispose();
            throw new InvalidDataException($"{cfgPath}: {ex.Message}.", ex);
        }
    }
}
