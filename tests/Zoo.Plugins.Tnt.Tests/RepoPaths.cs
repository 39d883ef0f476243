namespace Zoo.Plugins.Tnt.Tests;

/// <summary>The TNT tests' paths, through the one repository locator (<see cref="Repo"/>).</summary>
internal static class RepoPaths
{
    public static string Fixture(string name) => Repo.Path("fixtures", "tnt", name);

    public static string Digits => Repo.Path("data", "digits", "digits.csv.gz");

    public static string TempDir() => Directory.CreateTempSubdirectory("zoo-tnt-tests-").FullName;
}
