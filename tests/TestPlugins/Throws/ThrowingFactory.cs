using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.TestPlugins.Throws;

/// <summary>A plugin whose export throws when it is created.</summary>
[ZooExport(typeof(IModelFactory), "throws")]
public sealed class ThrowingFactory : ModelFactory<ThrowingFactory.Config>
{
    public sealed record Config;

    public ThrowingFactory() => throw new InvalidOperationException("this plugin is broken on purpose");

    public override nn.Module Create(Config config) => throw new NotSupportedException();
}
