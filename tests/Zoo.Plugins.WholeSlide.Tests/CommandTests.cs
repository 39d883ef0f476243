using System.Composition;
using Spectre.Console.Cli;
using Zoo.Core;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class CommandTests
{
    private static CommandApp App()
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            foreach (var cmd in new WholeSlideCommandProvider().Commands)
                c.AddBranch(cmd.Verb, b =>
                {
                    var add = typeof(IConfigurator<CommandSettings>).GetMethod("AddCommand")!.MakeGenericMethod(cmd.CommandType);
                    add.Invoke(b, [cmd.Model]);
                });
        });
        return app;
    }

    [TestMethod]
    public void Provider_IsExportedWithTilingMetadata()
    {
        var attr = (ZooExportAttribute)typeof(WholeSlideCommandProvider).GetCustomAttributes(typeof(ZooExportAttribute), false).Single();
        Assert.AreEqual("wsi", attr.Name);
        Assert.AreEqual(ZooTasks.Tiling, attr.Task);
        var verbs = new WholeSlideCommandProvider().Commands.Select(c => $"{c.Verb} {c.Model}").ToList();
        CollectionAssert.AreEquivalent(new[] { "tile wsi", "bench wsi" }, verbs);
    }

    [TestMethod]
    public void ZooTileWsi_SlideAndFolder_EndToEnd()
    {
        var (path, _) = TestSlides.Small;
        var outDir = TestSlides.NewDir("cli");
        int rc = App().Run(["tile", "wsi", path, "--out", outDir, "--mpp", "0.5", "--format", "png", "--min-tissue", "0.25", "--workers", "2"]);
        Assert.AreEqual(0, rc);
        string dir = Path.Combine(outDir, "small");
        Assert.IsTrue(File.Exists(Path.Combine(dir, "manifest.json")));
        Assert.IsTrue(Directory.GetFiles(Path.Combine(dir, "tiles"), "*.png").Length > 5);

        var folder = TestSlides.NewDir("cli-batch");
        File.Copy(path, Path.Combine(folder, "one.tif"));
        File.WriteAllText(Path.Combine(folder, "broken.tif"), "II*\0garbage");
        var outB = TestSlides.NewDir("cli-batch-out");
        int rcB = App().Run(["tile", "wsi", folder, "--out", outB, "--format", "none"]);
        Assert.AreEqual(1, rcB, "a failed slide makes the exit code non-zero");
        Assert.IsTrue(File.Exists(Path.Combine(outB, "one", "one.h5")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(outB, "batch.csv")), "broken.tif");
    }

    [TestMethod]
    public void ZooTileWsi_ValidatesOptions()
    {
        var (path, _) = TestSlides.Small;
        Assert.ThrowsExactly<CommandRuntimeException>(() => App().Run(["tile", "wsi", path, "--out", "x", "--format", "gif"]));
    }
}
