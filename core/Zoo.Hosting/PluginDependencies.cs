using System.Text.Json;

namespace Zoo.Hosting;

/// <summary>
/// A plugin's direct dependencies with the versions it was built against (the lower bounds its NuGet package
/// declares): the shared assemblies it references (Zoo.Core, Zoo.Toolkit, TorchSharp, ...), which the host provides,
/// and the packages it carries in its own folder, read from its <c>.deps.json</c>.
/// </summary>
public static class PluginDependencies
{
    public static IReadOnlyList<(string Name, string Version)> Read(LoadedPlugin plugin)
    {
        var shared = plugin.Assembly.GetReferencedAssemblies().Where(PluginLoadContext.IsShared)
            .Select(a => (a.Name ?? "", (a.Version ?? new Version(0, 0)).ToString(3)));
        return shared.Concat(Carried(plugin)).DistinctBy(d => d.Item1).OrderBy(d => d.Item1, StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<(string Name, string Version)> Carried(LoadedPlugin plugin)
    {
        var deps = Path.ChangeExtension(plugin.Assembly.Location, ".deps.json");
        if (!File.Exists(deps)) return [];
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(deps));
            foreach (var target in doc.RootElement.GetProperty("targets").EnumerateObject())
                foreach (var lib in target.Value.EnumerateObject())
                    if (lib.Name.StartsWith(plugin.Assembly.GetName().Name + "/", StringComparison.OrdinalIgnoreCase)
                        && lib.Value.TryGetProperty("dependencies", out var d))
                        return d.EnumerateObject().Select(x => (x.Name, x.Value.GetString() ?? "")).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [("(unreadable deps.json)", ex.Message)];
        }
        return [];
    }
}
