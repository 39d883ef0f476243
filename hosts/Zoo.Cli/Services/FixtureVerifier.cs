using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Core.Fixtures;
using Zoo.Hosting;

namespace Zoo.Cli.Services;

/// <summary>
/// Loads a parity fixture's <c>model.*</c> tensors into the model built from the sidecar config, runs
/// <c>input.*</c> and measures the max absolute error of each <c>output.*</c> (fixtures/README.md).
/// </summary>
public static class FixtureVerifier
{
    public static List<(string Model, string Output, double Error)> Verify(PluginCatalog catalog, string file, string? modelName)
    {
        using var fixture = ParityFixture.Load(file);
        var name = modelName ?? fixture.Model;
        if (string.IsNullOrEmpty(name)) throw new InvalidDataException($"{file}: the sidecar names no \"model\"; pass --model NAME.");
        var component = catalog.Require<IModelFactory>(name);
        var factory = component.Create();
        using var scope = torch.NewDisposeScope();
        var config = factory.FixtureConfig(fixture);
        using var model = factory.CreateModel(config, ZooContext.For(catalog));
        if (fixture.Weights.Count > 0 || model.state_dict().Count > 0)
            StateDict.Load(model, fixture.Weights, $"{file} (model.*)", strict: true);
        model.eval();
        using var noGrad = torch.no_grad();
        var outputs = factory.RunFixture(model, fixture);
        return fixture.Compare(outputs).Select(kv => ($"{component.Name}@{component.Version.ToString(3)}", kv.Key, kv.Value)).ToList();
    }
}
