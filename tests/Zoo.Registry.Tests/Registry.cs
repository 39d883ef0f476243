using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Registry.Tests;

/// <summary>The catalog of every plugin this repository builds, discovered from artifacts/plugins as the host does.</summary>
public static class Registry
{
    private static readonly Lazy<PluginCatalog> Lazy = new(() => PluginCatalog.Discover([Repo.Path("artifacts", "plugins")]));

    public static PluginCatalog Catalog => Lazy.Value;

    /// <summary>Every exported model (newest version), by name: the data of the registry-wide tests.</summary>
    public static IEnumerable<object[]> Models => Catalog.Latest<IModelFactory>().Select(c => new object[] { c.Name });
}
