using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.TestPlugins.MissingDep;

/// <summary>Derives from a type in an assembly that is not in the plugin folder.</summary>
public sealed class UsesHelper : Zoo.TestPlugins.Dep.Helper
{
}

[ZooExport(typeof(IModelFactory), "missing-dep")]
public sealed class MissingDepFactory : ModelFactory<MissingDepFactory.Config>
{
    public sealed record Config;

    public override nn.Module Create(Config config) => throw new NotSupportedException(new UsesHelper().ToString());
}
