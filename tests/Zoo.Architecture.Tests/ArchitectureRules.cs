using System.Xml.Linq;

namespace Zoo.Architecture.Tests;

/// <summary>
/// The dependency and size rules of issue 12 / DESIGN.md, computed over a repository folder: each rule returns its
/// violations as readable lines ("plugins/A/A.csproj -> plugins/B/B.csproj"), empty when the tree follows it.
/// </summary>
internal static class ArchitectureRules
{
    public const int MaxPluginFileLines = 250;

    public static readonly string[] ForbiddenInPluginSources = ["ZooRuntime", "HostState", "Spectre."];

    /// <summary>Walks up from <paramref name="start"/> to the first folder holding Zoo.sln.</summary>
    public static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Zoo.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Zoo.sln above {start}");
    }

    /// <summary>Every plugin project: <c>plugins/*/*.csproj</c>.</summary>
    public static IReadOnlyList<string> PluginProjects(string root) =>
        Directory.GetDirectories(Path.Combine(root, "plugins")).SelectMany(d => Directory.GetFiles(d, "*.csproj"))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>Every .cs file under plugins/, build outputs (bin/, obj/) excluded.</summary>
    public static IReadOnlyList<string> PluginSources(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "plugins"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !Relative(root, p).Split('/').Any(part => part is "bin" or "obj"))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>Project references from one plugin project to another project under plugins/.</summary>
    public static List<string> PluginToPluginReferences(string root)
    {
        string plugins = Path.Combine(root, "plugins") + Path.DirectorySeparatorChar;
        var violations = new List<string>();
        foreach (var csproj in PluginProjects(root))
            foreach (var include in Includes(csproj, "ProjectReference"))
            {
                string target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(csproj)!, include.Replace('\\', '/')));
                if (target.StartsWith(plugins, StringComparison.Ordinal) && target != csproj)
                    violations.Add($"{Relative(root, csproj)} -> {Relative(root, target)}");
            }
        return violations;
    }

    /// <summary>Spectre references (package, project or assembly) in plugin projects.</summary>
    public static List<string> PluginSpectreReferences(string root) => PluginProjects(root).SelectMany(p => SpectreReferences(root, p)).ToList();

    /// <summary>Spectre references in <c>core/Zoo.Core/*.csproj</c>.</summary>
    public static List<string> CoreSpectreReferences(string root) =>
        Directory.GetFiles(Path.Combine(root, "core", "Zoo.Core"), "*.csproj").SelectMany(p => SpectreReferences(root, p)).ToList();

    /// <summary>Lines of plugin sources that mention the static runtime locator or Spectre.</summary>
    public static List<string> ForbiddenWords(string root)
    {
        var violations = new List<string>();
        foreach (var file in PluginSources(root))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                foreach (var word in ForbiddenInPluginSources)
                    if (lines[i].Contains(word, StringComparison.Ordinal))
                        violations.Add($"{Relative(root, file)}:{i + 1}: {word}");
        }
        return violations;
    }

    /// <summary>Plugin sources longer than <see cref="MaxPluginFileLines"/> lines, longest first.</summary>
    public static List<string> LongPluginFiles(string root) =>
        PluginSources(root)
            .Select(f => (File: f, Lines: File.ReadAllLines(f).Length))
            .Where(x => x.Lines > MaxPluginFileLines)
            .OrderByDescending(x => x.Lines)
            .Select(x => $"{Relative(root, x.File)}: {x.Lines} lines")
            .ToList();

    /// <summary>The Include (or Update) values of every item of kind <paramref name="item"/> (XML comments ignored).</summary>
    public static IEnumerable<string> Includes(string csproj, string item) =>
        XDocument.Load(csproj).Descendants()
            .Where(e => e.Name.LocalName == item)
            .Select(e => (string?)e.Attribute("Include") ?? (string?)e.Attribute("Update") ?? "")
            .Where(v => v.Length > 0);

    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    public static string Report(string rule, IReadOnlyCollection<string> violations) =>
        $"{rule}: {violations.Count} violation(s)\n  " + string.Join("\n  ", violations);

    private static IEnumerable<string> SpectreReferences(string root, string csproj) =>
        new[] { "PackageReference", "ProjectReference", "Reference" }
            .SelectMany(kind => Includes(csproj, kind).Select(v => (Kind: kind, Value: v)))
            .Where(r => r.Value.Contains("Spectre", StringComparison.OrdinalIgnoreCase))
            .Select(r => $"{Relative(root, csproj)}: {r.Kind} {r.Value}");
}
