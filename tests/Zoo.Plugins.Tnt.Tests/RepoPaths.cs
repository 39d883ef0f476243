namespace Zoo.Plugins.Tnt.Tests;

internal static class RepoPaths
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Zoo.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Zoo.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Fixture(string name) => Path.Combine(Root, "fixtures", "tnt", name);

    public static string Digits => Path.Combine(Root, "data", "digits", "digits.csv.gz");

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "zoo-tnt-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
