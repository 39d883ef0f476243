using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using TorchSharp;
using Zoo.Cli.Services;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

/// <summary>
/// <c>zoo convert MODEL --weights FILE --out DIR</c>: reference PyTorch weights into a Zoo checkpoint folder. Tensor
/// names are used as they are: module names follow the reference state_dict keys, so nothing is renamed.
/// </summary>
public static class ConvertCommand
{
    public static Command Create(PluginCatalog catalog)
    {
        var model = new Argument<string>("MODEL") { Description = "Model name (or name@version) whose reference weights these are." };
        var weights = new Option<string>("--weights") { Description = "PyTorch state_dict (.pth, .pt, .bin) or .safetensors file.", Required = true };
        var config = new Option<string?>("--config") { Description = "JSON with the reference constructor arguments (or an object with a \"config\" field, like a fixture sidecar). Default: the model's defaults." };
        var output = new Option<string>("--out", "-o") { Description = "Checkpoint folder to write.", Required = true };
        var nonStrict = new Option<bool>("--non-strict") { Description = "Ignore tensors the model does not have (e.g. an optimizer state saved alongside)." };
        var cmd = new Command("convert", "Turn reference PyTorch weights (.pth state_dict or .safetensors) into a Zoo checkpoint folder.") { model, weights, config, output, nonStrict };
        cmd.SetAction(p => Run(catalog, p.GetValue(model)!, p.GetValue(weights)!, p.GetValue(config), p.GetValue(output)!, p.GetValue(nonStrict)));
        return cmd;
    }

    private static int Run(PluginCatalog catalog, string name, string weights, string? configFile, string output, bool nonStrict)
    {
        var component = catalog.Require<IModelFactory>(name);
        var factory = component.Create();
        object config = factory.CreateDefaultConfig();
        if (configFile != null) config = ReadConfig(factory, configFile);
        using var scope = torch.NewDisposeScope();
        var tensors = StateDictReader.Read(weights);
        using var model = factory.CreateModel(config, ZooContext.For(catalog));
        StateDict.Load(model, tensors, weights, strict: !nonStrict);
        Checkpoint.Save(output, component.Name, component.Version.ToString(3), factory, config, model,
            new JsonObject { ["converted_from"] = Path.GetFileName(weights) });
        AnsiConsole.MarkupLineInterpolated($"[green]wrote[/] {output} ({tensors.Count} tensors, {component.Name} {component.Version.ToString(3)})");
        return 0;
    }

    private static object ReadConfig(IModelFactory factory, string file)
    {
        JsonNode json = ZooJson.ReadObject(file);
        if (json["config"] is JsonObject inner) json = inner;
        try
        {
            return factory.ParseConfig(json);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{file}: {ex.Message}", ex);
        }
    }
}
