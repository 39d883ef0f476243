namespace Zoo.Hosting.Tests;

/// <summary>Builds plugin roots in temp folders from the test plugins the build dropped into artifacts/testplugins/.</summary>
public static class TestPluginFolders
{
    public static string RepoRoot => Repo.Root;

    public static string Dropped => Path.Combine(RepoRoot, "artifacts", "testplugins");

    /// <summary>A new root holding copies of the named plugin folders (e.g. "Zoo.TestPlugins.Linear/1.0.0").</summary>
    public static string MakeRoot(params string[] plugins)
    {
        var root = Directory.CreateTempSubdirectory("zoo-plugins-").FullName;
        foreach (var p in plugins)
        {
            var src = Path.Combine(Dropped, p);
            if (!Directory.Exists(src)) throw new DirectoryNotFoundException($"{src}: build the test plugins first.");
            var dst = Path.Combine(root, p);
            foreach (var file in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(dst, Path.GetRelativePath(src, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
        return root;
    }
}
