using Zoo.Toolkit.Data;

namespace Zoo.Plugins.Informer.Tests;

internal static class RepoPaths
{
    public static string Fixture(string name) => ShippedData.Require($"fixtures/informer/{name}.safetensors");

    public static string EttH1 => ShippedData.Require("data/ett/ETTh1.csv");

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zoo-informer-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
