using TorchSharp;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Cli.Services;

/// <summary>Builds the <see cref="IZooContext"/> a recipe runs with, from the bound common options.</summary>
public static class HostContext
{
    /// <summary>Applies <c>--threads</c> to libtorch (once, here: recipes never set threads) and parses <c>--device</c>.</summary>
    public static ZooContext Create(PluginCatalog catalog, CommonOptions common, IZooProgress progress, IZooOutput output)
    {
        if (common.Threads is int n) torch.set_num_threads(n);
        return new ZooContext
        {
            Catalog = catalog,
            Device = ZooDevices.Parse(common.Device),
            Threads = common.Threads,
            Progress = progress,
            Output = output,
        };
    }
}
