using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Zoo.Core.Checkpoints;

/// <summary>What <c>config.json</c> of a checkpoint says.</summary>
public sealed record CheckpointInfo(string Model, string Version, JsonNode? Config, string Contracts, DateTimeOffset Created, JsonObject Extra);

/// <summary>
/// A checkpoint is a folder: <c>config.json</c> (model name, version, configuration) and <c>model.safetensors</c>
/// whose tensor names are the model's state_dict keys (those of the reference implementation). The folder is
/// written beside its target and renamed into place, so a crash never leaves half a checkpoint.
/// </summary>
public static class Checkpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    /// <summary>Saves a checkpoint folder atomically; <paramref name="extra"/> adds fields to config.json (e.g. scaler statistics).</summary>
    public static void Save(string directory, string modelName, string modelVersion, IModelFactory factory, object config, nn.Module model,
        JsonObject? extra = null, IReadOnlyDictionary<string, string>? extraFiles = null, CheckpointSideData? side = null)
    {
        if (side != null)
        {
            extra = extra?.DeepClone().AsObject() ?? new JsonObject();
            foreach (var (k, v) in side.ToJson()) extra[k] = v?.DeepClone();
        }
        var target = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar))!;
        Directory.CreateDirectory(parent);
        var tmp = target.TrimEnd(Path.DirectorySeparatorChar) + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            Directory.CreateDirectory(tmp);
            var json = new JsonObject
            {
                ["model"] = modelName,
                ["version"] = modelVersion,
                ["zoo_contracts"] = ZooContracts.Version.ToString(2),
                ["created"] = DateTimeOffset.UtcNow.ToString("O"),
                ["config"] = factory.ConfigToJson(config),
            };
            if (extra != null)
                foreach (var (k, v) in extra) json[k] = v?.DeepClone();
            AtomicFile.WriteAllText(Path.Combine(tmp, ConfigFile), json.ToJsonString(ZooJson.Options));
            SafeTensors.Write(Path.Combine(tmp, WeightsFile), model.state_dict(),
                new Dictionary<string, string> { ["format"] = "pt", ["zoo_model"] = modelName, ["zoo_version"] = modelVersion });
            if (extraFiles != null)
                foreach (var (name, content) in extraFiles) AtomicFile.WriteAllText(Path.Combine(tmp, name), content);
            SwapIn(tmp, target);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    private static void SwapIn(string tmp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(tmp, target);
            return;
        }
        var old = target.TrimEnd(Path.DirectorySeparatorChar) + $".old-{Guid.NewGuid():N}";
        Directory.Move(target, old);
        Directory.Move(tmp, target);
        Directory.Delete(old, recursive: true);
    }

    /// <summary>Reads config.json with checks.</summary>
    public static CheckpointInfo ReadInfo(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: checkpoint folder not found.");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found; a checkpoint folder holds {ConfigFile} and {WeightsFile}.", path);
        var obj = ZooJson.ReadObject(path);
        string model = obj["model"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: no \"model\" field.");
        var extra = new JsonObject();
        foreach (var (k, v) in obj)
            if (k is not ("model" or "version" or "config" or "zoo_contracts" or "created")) extra[k] = v?.DeepClone();
        DateTimeOffset.TryParse(obj["created"]?.GetValue<string>(), out var created);
        return new CheckpointInfo(model, obj["version"]?.GetValue<string>() ?? "", obj["config"]?.DeepClone(),
            obj["zoo_contracts"]?.GetValue<string>() ?? "", created, extra);
    }

    /// <summary>Builds the model from config.json with <paramref name="factory"/> and loads the weights with full checks.</summary>
    public static (nn.Module Model, object Config, CheckpointInfo Info) Load(string directory, IModelFactory factory, IZooContext? context = null)
    {
        var info = ReadInfo(directory);
        object config;
        try
        {
            config = factory.ParseConfig(info.Config);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{Path.Combine(directory, ConfigFile)}: {ex.Message}", ex);
        }
        var model = factory.CreateModel(config, context ?? ZooContext.Default);
        try
        {
            LoadWeights(Path.Combine(directory, WeightsFile), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, config, info);
    }

    /// <summary>Loads a safetensors file into a module (strict: every key present, no extras, same shapes).</summary>
    public static void LoadWeights(string safetensorsPath, nn.Module model, bool strict = true)
    {
        var tensors = SafeTensors.Read(safetensorsPath);
        try
        {
            StateDict.Load(model, tensors, safetensorsPath, strict);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
