using System.Collections;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using TorchSharp.PyBridge;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Cli.Commands;

/// <summary>
/// Turns weights saved by the reference PyTorch code (a pickled state_dict, .pth/.pt/.bin, read with
/// TorchSharp.PyBridge without executing code, or a .safetensors file) into a Zoo checkpoint folder. Tensor names
/// are used as they are: module names follow the reference state_dict keys, so nothing is renamed.
/// </summary>
public sealed class ConvertCommand : Command<ConvertCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("Model name (or name@version) whose reference weights these are.")]
        public string Model { get; init; } = "";

        [CommandOption("--weights <FILE>")]
        [Description("PyTorch state_dict (.pth, .pt, .bin) or .safetensors file.")]
        public string Weights { get; init; } = "";

        [CommandOption("--config <FILE>")]
        [Description("JSON with the reference constructor arguments (or an object with a \"config\" field, like a fixture sidecar). Default: the model's defaults.")]
        public string? Config { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Checkpoint folder to write.")]
        public string Out { get; init; } = "";

        [CommandOption("--non-strict")]
        [Description("Ignore tensors the model does not have (e.g. an optimizer state saved alongside).")]
        public bool NonStrict { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Weights) ? ValidationResult.Error("--weights FILE is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out DIR is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var component = HostState.Catalog.Require<IModelFactory>(settings.Model);
        var factory = component.Create();
        object config = factory.CreateDefaultConfig();
        if (settings.Config != null)
        {
            JsonNode? json;
            try
            {
                json = JsonNode.Parse(File.ReadAllText(settings.Config));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{settings.Config}: not valid JSON ({ex.Message}).", ex);
            }
            if (json is JsonObject o && o["config"] is JsonObject inner) json = inner;
            try
            {
                config = factory.ParseConfig(json);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{settings.Config}: {ex.Message}", ex);
            }
        }

        using var scope = torch.NewDisposeScope();
        var tensors = ReadStateDict(settings.Weights);
        using var model = factory.CreateModel(config);
        StateDict.Load(model, tensors, settings.Weights, strict: !settings.NonStrict);
        Checkpoint.Save(settings.Out, component.Name, component.Version.ToString(3), factory, config, model,
            new JsonObject { ["converted_from"] = Path.GetFileName(settings.Weights) });
        AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {settings.Out} ({tensors.Count} tensors, {component.Name} {component.Version.ToString(3)})");
        return 0;
    }

    /// <summary>Reads a state_dict; a "module." prefix (torch.nn.DataParallel) is dropped.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        Dictionary<string, Tensor> tensors;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            tensors = SafeTensors.Read(path);
        else
        {
            Hashtable table;
            try
            {
                using var stream = File.OpenRead(path);
                table = PyTorchUnpickler.UnpickleStateDict(stream);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{path}: not a PyTorch state_dict that can be read safely ({ex.GetType().Name}: {ex.Message}). Save it with torch.save(model.state_dict(), path).", ex);
            }
            tensors = [];
            foreach (DictionaryEntry e in table)
            {
                if (e.Value is Tensor t) tensors[(string)e.Key] = t;
                else throw new InvalidDataException($"{path}: entry '{e.Key}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor; pass the model's state_dict, not a training checkpoint dict.");
            }
        }
        if (tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            tensors = tensors.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value);
        return tensors;
    }
}
