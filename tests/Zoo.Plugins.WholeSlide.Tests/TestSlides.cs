using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

/// <summary>Slides generated once per test run in a temp folder (no slides are shipped).</summary>
[TestClass]
public static class TestSlides
{
    private static readonly Lock Gate = new();
    private static string? _root;
    private static (string Path, SyntheticSlideTruth Truth)? _small;

    public static string Root
    {
        get
        {
            lock (Gate)
            {
                _root ??= Directory.CreateTempSubdirectory("zoo-wsi-tests-").FullName;
                return _root;
            }
        }
    }

    public static readonly SyntheticSlideSpec SmallSpec = new() { Width = 4096, Height = 3072, Seed = 1, FieldScale = 32 };

    /// <summary>4096×3072 at 0.25 µm/px, 256² JPEG tiles, 5 levels, ~28 % tissue.</summary>
    public static (string Path, SyntheticSlideTruth Truth) Small
    {
        get
        {
            lock (Gate)
            {
                if (_small is null)
                {
                    var p = System.IO.Path.Combine(Root, "small.tif");
                    _small = (p, SyntheticSlide.Generate(p, SmallSpec));
                }
                return _small.Value;
            }
        }
    }

    public static string NewDir(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [AssemblyCleanup]
    public static void Cleanup()
    {
        if (_root is not null && Directory.Exists(_root)) Directory.Delete(_root, true);
    }
}
