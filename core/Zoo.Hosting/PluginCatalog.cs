using System.Composition;
using System.Composition.Hosting;
using System.Reflection;
using Zoo.Core;

namespace Zoo.Hosting;

/// <summary>A plugin assembly that loaded.</summary>
public sealed record LoadedPlugin(string Name, Version Version, string Directory, System.Reflection.Assembly Assembly, PluginLoadContext Context, CompositionHost Container);

/// <summary>A plugin (or one of its exports) that was skipped, and why.</summary>
public sealed record PluginFailure(string Path, string Reason);

/// <summary>One exported component (model factory, learner, command provider, ...) of a loaded plugin.</summary>
public sealed class ZooComponent<T> where T : class
{
    private readonly ExportFactory<T, ZooMetadata> _factory;

    internal ZooComponent(LoadedPlugin plugin, ExportFactory<T, ZooMetadata> factory)
    {
        Plugin = plugin;
        _factory = factory;
    }

    public LoadedPlugin Plugin { get; }

    public ZooMetadata Metadata => _factory.Metadata;

    public string Name => Metadata.Name;

    public Version Version => Plugin.Version;

    /// <summary>A new instance (inside the plugin's contextual reflection scope, so its own type lookups resolve).</summary>
    public T Create()
    {
        using var _ = Plugin.Context.EnterContextualReflection();
        return _factory.CreateExport().Value;
    }

    public override string ToString() => $"{Name}@{Version}";
}

/// <summary>
/// Finds plugins under one or more folders and composes their exports. A plugin folder is any folder (up to
/// two levels below a root, e.g. <c>plugins/Zoo.Plugins.Informer/1.0.0/</c>) that holds <c>X.dll</c> with its
/// <c>X.deps.json</c>. Each plugin gets its own load context, so two versions of one plugin sit side by side;
/// the highest version wins unless <c>name@version</c> is asked for. A plugin that fails to load is listed in
/// <see cref="Failures"/> with the reason and skipped.
/// </summary>
public sealed class PluginCatalog : IZooCatalog
{
    private static readonly Type[] ContractTypes = [typeof(IModelFactory), typeof(IContinualLearner), typeof(IUnlearner), typeof(IRecipeProvider)];

    private readonly List<LoadedPlugin> _plugins = [];
    private readonly List<PluginFailure> _failures = [];
    private readonly Dictionary<Type, List<object>> _components = [];

    public IReadOnlyList<LoadedPlugin> Plugins => _plugins;

    public IReadOnlyList<PluginFailure> Failures => _failures;

    /// <summary>Folders searched, in order.</summary>
    public IReadOnlyList<string> Roots { get; private set; } = [];

    /// <summary>
    /// The plugin roots, in order of precedence (the first root holding a given name@version wins):
    /// <paramref name="extra"/> (<c>--plugins</c>), then each folder in <c>ZOO_PLUGINS</c>, then <c>plugins/</c> next to the host.
    /// </summary>
    public static IReadOnlyList<string> DefaultRoots(IEnumerable<string>? extra = null)
    {
        var roots = new List<string>();
        if (extra != null) roots.AddRange(extra);
        var env = Environment.GetEnvironmentVariable("ZOO_PLUGINS");
        if (!string.IsNullOrWhiteSpace(env))
            roots.AddRange(env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        roots.Add(Path.Combine(AppContext.BaseDirectory, "plugins"));
        return roots.Select(Path.GetFullPath).Distinct().ToList();
    }

    /// <summary>Discovers and loads every plugin under <paramref name="roots"/>.</summary>
    public static PluginCatalog Discover(IEnumerable<string> roots)
    {
        var catalog = new PluginCatalog { Roots = roots.Select(Path.GetFullPath).Distinct().ToList() };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var root in catalog.Roots)
        {
            if (!Directory.Exists(root)) continue;
            foreach (var dll in FindPluginAssemblies(root))
                catalog.TryLoad(dll, seen);
        }
        return catalog;
    }

    private static IEnumerable<string> FindPluginAssemblies(string root)
    {
        IEnumerable<string> Dirs(string d, int depth) =>
            depth == 0 ? [] : Directory.EnumerateDirectories(d).OrderBy(x => x, StringComparer.Ordinal).SelectMany(s => new[] { s }.Concat(Dirs(s, depth - 1)));
        foreach (var dir in Dirs(root, 2))
            foreach (var deps in Directory.EnumerateFiles(dir, "*.deps.json").OrderBy(x => x, StringComparer.Ordinal))
            {
                var dll = Path.Combine(dir, Path.GetFileName(deps)[..^".deps.json".Length] + ".dll");
                if (File.Exists(dll)) yield return dll;
            }
    }

    private void TryLoad(string dllPath, HashSet<string> seen)
    {
        try
        {
            var context = new PluginLoadContext(dllPath);
            var assembly = context.LoadFromAssemblyPath(dllPath);
            var name = assembly.GetName().Name!;
            var version = PluginVersion(assembly);
            if (!seen.Add($"{name}@{version}"))
                return;   // the same plugin version found in an earlier root wins

            var core = assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == "Zoo.Core");
            if (core is null)
            {
                _failures.Add(new PluginFailure(dllPath, "not a Zoo plugin: it does not reference Zoo.Core"));
                return;
            }
            var host = ZooContracts.Version;
            if (core.Version is { } v && v.Major != host.Major)
            {
                _failures.Add(new PluginFailure(dllPath, $"built against Zoo.Core contracts {v.ToString(2)}, but this host has {host.ToString(2)}; rebuild the plugin against Zoo.Core {host.Major}.x"));
                return;
            }

            // Resolve every type now: a missing dependency surfaces here, with its name, instead of later.
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                var reasons = ex.LoaderExceptions.Where(e => e != null).Select(e => e!.Message).Distinct().Take(3);
                _failures.Add(new PluginFailure(dllPath, "a dependency could not be loaded: " + string.Join("; ", reasons)));
                return;
            }

            CompositionHost container;
            using (context.EnterContextualReflection())
                container = new ContainerConfiguration().WithParts(types.Where(t => t.IsClass && !t.IsAbstract)).CreateContainer();
            var plugin = new LoadedPlugin(name, version, Path.GetDirectoryName(dllPath)!, assembly, context, container);
            int exported = 0;
            foreach (var contract in ContractTypes)
                exported += (int)typeof(PluginCatalog).GetMethod(nameof(Collect), BindingFlags.NonPublic | BindingFlags.Instance)!
                    .MakeGenericMethod(contract).Invoke(this, [plugin])!;
            if (exported == 0 && !_failures.Any(f => f.Path.StartsWith(dllPath, StringComparison.Ordinal)))
                _failures.Add(new PluginFailure(dllPath, "exports nothing: no class carries [ZooExport]"));
            _plugins.Add(plugin);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var inner = ex is TargetInvocationException { InnerException: { } ie } ? ie : ex;
            _failures.Add(new PluginFailure(dllPath, $"{inner.GetType().Name}: {inner.Message}"));
        }
    }

    private int Collect<T>(LoadedPlugin plugin) where T : class
    {
        IEnumerable<ExportFactory<T, ZooMetadata>> exports;
        try
        {
            using (plugin.Context.EnterContextualReflection())
                exports = plugin.Container.GetExports<ExportFactory<T, ZooMetadata>>().ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _failures.Add(new PluginFailure(plugin.Assembly.Location, $"its {typeof(T).Name} exports cannot be composed: {ex.Message}"));
            return 0;
        }
        int count = 0;
        foreach (var export in exports)
        {
            var component = new ZooComponent<T>(plugin, export);
            // Create each export once now, so a plugin that throws is reported here rather than in the middle of a job.
            try
            {
                var instance = component.Create();
                (instance as IDisposable)?.Dispose();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var inner = ex is TargetInvocationException { InnerException: { } ie } ? ie : ex;
                while (inner is CompositionFailedException { InnerException: { } ci }) inner = ci;
                _failures.Add(new PluginFailure($"{plugin.Assembly.Location} ({component.Name})", $"{export.Metadata.Name} failed to start: {inner.GetType().Name}: {inner.Message}"));
                continue;
            }
            if (!_components.TryGetValue(typeof(T), out var list)) _components[typeof(T)] = list = [];
            list.Add(component);
            count++;
        }
        return count;
    }

    private static Version PluginVersion(System.Reflection.Assembly assembly)
    {
        var info = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (info != null)
        {
            var core = info.Split('+', '-')[0];
            if (Version.TryParse(core, out var v)) return v;
        }
        return assembly.GetName().Version ?? new Version(0, 0);
    }

    /// <summary>Every component of contract <typeparamref name="T"/>, all versions, ordered by name then newest first.</summary>
    public IReadOnlyList<ZooComponent<T>> All<T>() where T : class =>
        _components.TryGetValue(typeof(T), out var list)
            ? list.Cast<ZooComponent<T>>().OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenByDescending(c => c.Version).ToList()
            : [];

    /// <summary>The newest version of each component of contract <typeparamref name="T"/>.</summary>
    public IReadOnlyList<ZooComponent<T>> Latest<T>() where T : class =>
        All<T>().GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToList();

    /// <summary>Finds a component by <c>name</c> (newest version) or <c>name@version</c>; null when absent.</summary>
    public ZooComponent<T>? Find<T>(string nameOrNameAtVersion) where T : class
    {
        var (name, version) = ParseSpec(nameOrNameAtVersion);
        var candidates = All<T>().Where(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        if (version != null) candidates = candidates.Where(c => Normalize(c.Version) == Normalize(version));
        return candidates.FirstOrDefault();
    }

    /// <summary>Like <see cref="Find{T}"/> but throws an error that lists what is available.</summary>
    public ZooComponent<T> Require<T>(string nameOrNameAtVersion) where T : class
    {
        var found = Find<T>(nameOrNameAtVersion);
        if (found != null) return found;
        var available = All<T>().Select(c => c.ToString()).ToList();
        var failed = _failures.Where(f => f.Path.Contains(ParseSpec(nameOrNameAtVersion).Name, StringComparison.OrdinalIgnoreCase)).ToList();
        var msg = $"No {Describe(typeof(T))} named '{nameOrNameAtVersion}'. Available: {(available.Count == 0 ? "none" : string.Join(", ", available))}.";
        if (failed.Count > 0) msg += " Plugins that failed to load: " + string.Join("; ", failed.Select(f => $"{f.Path}: {f.Reason}"));
        msg += $" Searched: {string.Join(", ", Roots)}.";
        throw new KeyNotFoundException(msg);
    }

    private static string Describe(Type t) => t == typeof(IModelFactory) ? "model" : t == typeof(IContinualLearner) ? "continual learner"
        : t == typeof(IUnlearner) ? "unlearner" : t.Name;

    public static (string Name, Version? Version) ParseSpec(string spec)
    {
        var at = spec.IndexOf('@');
        if (at < 0) return (spec.Trim(), null);
        var v = spec[(at + 1)..].Trim();
        if (!Version.TryParse(v.Count(c => c == '.') == 0 ? v + ".0" : v, out var version))
            throw new ArgumentException($"'{spec}': '{v}' is not a version (use name@1.2.0).");
        return (spec[..at].Trim(), version);
    }

    private static Version Normalize(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0));

    IReadOnlyList<(ZooMetadata Metadata, Version Version, IModelFactory Factory)> IZooCatalog.Models(string? task) =>
        Latest<IModelFactory>().Where(c => task == null || c.Metadata.Task == task).Select(c => (c.Metadata, c.Version, c.Create())).ToList();

    T IZooCatalog.Get<T>(string nameOrNameAtVersion) => Require<T>(nameOrNameAtVersion).Create();

    IReadOnlyList<(ZooMetadata Metadata, Version Version, Func<T> Create)> IZooCatalog.All<T>() =>
        Latest<T>().Select(c => (c.Metadata, c.Version, (Func<T>)c.Create)).ToList();
}
