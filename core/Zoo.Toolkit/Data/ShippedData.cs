namespace Zoo.Toolkit.Data;

/// <summary>
/// Finds data shipped with Zoo (<c>data/ett/ETTh1.csv</c>, <c>data/digits/...</c>, fixtures) from the working
/// directory, the host's folder or a plugin's folder, walking up to the repository root. One place for the
/// lookup every demo, sample and test needs. <c>ZOO_DATA</c> (a folder that holds <c>data/</c>'s contents) wins.
/// </summary>
public static class ShippedData
{
    /// <summary>The full path of <paramref name="relative"/> (e.g. <c>data/ett/ETTh1.csv</c>), or null.</summary>
    public static string? Find(string relative)
    {
        if (Path.IsPathRooted(relative)) return File.Exists(relative) || Directory.Exists(relative) ? relative : null;
        var env = Environment.GetEnvironmentVariable("ZOO_DATA");
        if (!string.IsNullOrWhiteSpace(env))
        {
            var trimmed = relative.StartsWith("data/", StringComparison.Ordinal) ? relative["data/".Length..] : relative;
            var p = Path.Combine(env, trimmed);
            if (File.Exists(p) || Directory.Exists(p)) return Path.GetFullPath(p);
        }
        foreach (var start in Starts())
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Like <see cref="Find"/>, with an error that says where it looked and how to point at the data.</summary>
    public static string Require(string relative) =>
        Find(relative) ?? throw new FileNotFoundException(
            $"{relative}: not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}. " +
            "Run from the repository, give the path explicitly, or set ZOO_DATA to the folder that holds it.", relative);

    /// <summary>A user's path if it exists as given, else a shipped file of that relative name.</summary>
    public static string Resolve(string pathOrRelative) =>
        File.Exists(pathOrRelative) || Directory.Exists(pathOrRelative) ? Path.GetFullPath(pathOrRelative) : Require(pathOrRelative);

    private static IEnumerable<string> Starts()
    {
        yield return Directory.GetCurrentDirectory();
        yield return AppContext.BaseDirectory;
        var here = Path.GetDirectoryName(typeof(ShippedData).Assembly.Location);
        if (!string.IsNullOrEmpty(here)) yield return here;
    }
}
