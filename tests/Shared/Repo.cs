namespace Zoo.Testing;

/// <summary>The repository a test runs from (the folder holding Zoo.sln), and paths in it: one walk-up for every test project.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Zoo.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Zoo.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    /// <summary><c>Repo.Path("data", "ett", "ETTh1.csv")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
