using System.Reflection;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.TestPlugins.Linear;

/// <summary>Configuration of the test model.</summary>
public sealed record LinearConfig
{
    public int InFeatures { get; init; } = 3;
    public int OutFeatures { get; init; } = 2;
}

/// <summary>y = W x + b, with the state_dict keys of a PyTorch <c>nn.Linear</c> named "fc".</summary>
public sealed class LinearModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> fc;
#pragma warning restore IDE1006

    public LinearModel(LinearConfig config) : base("LinearModel")
    {
        fc = nn.Linear(config.InFeatures, config.OutFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => fc.call(input);
}

[ZooExport(typeof(IModelFactory), "linear", Task = ZooTasks.Other, Paper = "A test plugin", ArxivId = "0000.00000", Summary = "y = Wx + b")]
public sealed class LinearFactory : ModelFactory<LinearConfig>
{
    public override nn.Module Create(LinearConfig config) => new LinearModel(config);

    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, LinearConfig config, ParityFixture fixture) =>
        new Dictionary<string, Tensor> { ["y"] = ((LinearModel)model).call(fixture.Input("x")) };
}

[ZooExport(typeof(IZooCommandProvider), "linear")]
public sealed class LinearCommands : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands => [new ZooCommand("demo", "linear", typeof(LinearDemoCommand), "Prints the plugin version and a forward pass")];
}

public sealed class LinearDemoCommand : Command<EmptyCommandSettings>
{
    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(0);
        using var model = new LinearModel(new LinearConfig());
        var y = model.call(torch.ones(1, 3));
        var version = typeof(LinearDemoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        Console.WriteLine($"linear demo v{version}: output shape [{string.Join(", ", y.shape)}] on {ZooRuntime.Device}");
        return 0;
    }
}
