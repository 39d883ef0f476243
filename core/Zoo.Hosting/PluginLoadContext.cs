using System.Reflection;
using System.Runtime.Loader;

namespace Zoo.Hosting;

/// <summary>
/// One load context per plugin folder. The plugin's own dependencies come from its folder (read from its
/// .deps.json); the assemblies the host shares (Zoo.Core, TorchSharp, Microsoft.ML, System.Composition,
/// Spectre.Console) always come from the default context, so tensors and contracts cross the boundary.
/// </summary>
public sealed class PluginLoadContext : AssemblyLoadContext
{
    // The core tier (Zoo.Core, Zoo.Toolkit, Zoo.Continual) and what its types expose: one copy in the host.
    private static readonly string[] SharedExact = ["Zoo.Core", "Zoo.Toolkit", "Zoo.Continual", "TorchSharp", "ScottPlot", "CsvHelper", "SixLabors.ImageSharp"];
    private static readonly string[] SharedPrefixes = ["Microsoft.ML", "System.Composition", "SkiaSharp", "HarfBuzzSharp"];

    private readonly AssemblyDependencyResolver _resolver;

    public PluginLoadContext(string mainAssemblyPath)
        : base($"zoo-plugin:{Path.GetFileNameWithoutExtension(mainAssemblyPath)}@{Path.GetDirectoryName(mainAssemblyPath)}", isCollectible: false)
    {
        MainAssemblyPath = mainAssemblyPath;
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
    }

    public string MainAssemblyPath { get; }

    /// <summary>True for assemblies that must be the host's single copy.</summary>
    public static bool IsShared(AssemblyName name)
    {
        var n = name.Name ?? "";
        return SharedExact.Contains(n, StringComparer.OrdinalIgnoreCase)
            || SharedPrefixes.Any(p => n.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName)) return null;   // default context
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path != null && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path != null ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
