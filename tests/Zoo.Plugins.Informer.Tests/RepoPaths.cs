namespace Zoo.Plugins.Informer.Tests;

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Zoo.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Zoo.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Fixture(string name) => Path.Combine(Root, "fixtures", "informer", name + ".safetensors");

    public static string EttH1 => Path.Combine(Root, "data", "ett", "ETTh1.csv");

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zoo-informer-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
