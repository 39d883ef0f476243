using System.Reflection;
using System.ComponentModel;
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

[ZooExport(typeof(IRecipeProvider), "linear")]
public sealed class LinearRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes => [new LinearDemo()];
}

/// <summary>Options of the test demo.</summary>
public sealed record LinearDemoOptions
{
    [Description("rows of the input batch")]
    public int Rows { get; init; } = 1;
}

public sealed class LinearDemo() : Recipe<LinearDemoOptions>(ZooVerbs.Demo, "linear", "Prints the plugin version and a forward pass")
{
    public override int Run(IZooContext context, CommonOptions common, LinearDemoOptions options)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(common.Seed ?? 0);
        using var model = new LinearModel(new LinearConfig());
        var y = model.call(torch.ones(options.Rows, 3));
        var version = typeof(LinearDemo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        context.Output.Line($"linear demo v{version}: output shape [{string.Join(", ", y.shape)}] on {context.Device}, threads {torch.get_num_threads()}");
        return 0;
    }
}
