using Zoo.Core;
using Zoo.Hosting;
using Zoo.Plugins.WholeSlide;

namespace Zoo.Plugins.WholeSlide.Tests;

[TestClass]
public sealed class CommandTests
{
    private static int Zoo(IZooContext context, params string[] args) => RecipeCommandLine.Invoke(new WholeSlideRecipes().Recipes, args, context);

    private static ZooContext Context(StringWriter output, IZooProgress? progress = null) =>
        new() { Output = new TextOutput(output), Progress = progress ?? SilentProgress.Instance };

    [TestMethod]
    public void Provider_IsExportedWithTilingMetadata()
    {
        var attr = (ZooExportAttribute)typeof(WholeSlideRecipes).GetCustomAttributes(typeof(ZooExportAttribute), false).Single();
        Assert.AreEqual("wsi", attr.Name);
        Assert.AreEqual(ZooTasks.Tiling, attr.Task);
        Assert.AreEqual(typeof(IRecipeProvider), attr.ContractType);
        var verbs = new WholeSlideRecipes().Recipes.Select(c => $"{c.Verb} {c.Model}").ToList();
        CollectionAssert.AreEquivalent(new[] { "tile wsi", "bench wsi" }, verbs);
    }

    [TestMethod]
    public void ZooTileWsi_SlideAndFolder_EndToEnd()
    {
        var (path, _) = TestSlides.Small;
        var outDir = TestSlides.NewDir("cli");
        var progress = new RecordingProgress();
        var text = new StringWriter();
        int rc = Zoo(Context(text, progress),
            "tile", "wsi", "--input", path, "--out", outDir, "--mpp", "0.5", "--format", "png", "--min-tissue", "0.25", "--workers", "2");
        Assert.AreEqual(0, rc);
        string dir = Path.Combine(outDir, "small");
        Assert.IsTrue(File.Exists(Path.Combine(dir, "manifest.json")));
        int pngs = Directory.GetFiles(Path.Combine(dir, "tiles"), "*.png").Length;
        Assert.IsTrue(pngs > 5);
        StringAssert.Contains(text.ToString(), "complete");
        // Progress: one task for the slide, advanced tile batch by tile batch up to every kept tile.
        var slideTask = progress.Tasks.Single(t => t.Name == "small.tif");
        Assert.AreEqual(pngs, slideTask.Total);
        Assert.AreEqual(pngs, slideTask.Done);
        Assert.IsTrue(slideTask.Disposed);

        var folder = TestSlides.NewDir("cli-batch");
        File.Copy(path, Path.Combine(folder, "one.tif"));
        File.WriteAllText(Path.Combine(folder, "broken.tif"), "II*\0garbage");
        var outB = TestSlides.NewDir("cli-batch-out");
        var batchProgress = new RecordingProgress();
        var batchText = new StringWriter();
        int rcB = Zoo(Context(batchText, batchProgress), "tile", "wsi", "--data", folder, "-o", outB, "--format", "none");
        Assert.AreEqual(1, rcB, "a failed slide makes the exit code non-zero");
        Assert.IsTrue(File.Exists(Path.Combine(outB, "one", "one.h5")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(outB, "batch.csv")), "broken.tif");
        StringAssert.Contains(batchText.ToString(), "batch summary");
        var slides = batchProgress.Tasks.Single(t => t.Name == "slides");
        Assert.AreEqual(2, slides.Total);
        Assert.AreEqual(2, slides.Done);
    }

    [TestMethod]
    public void ZooTileWsi_ValidatesOptions()
    {
        var (path, _) = TestSlides.Small;
        var text = new StringWriter();
        Assert.AreEqual(2, RecipeCommandLine.Invoke(new WholeSlideRecipes().Recipes, ["tile", "wsi", "--input", path, "--out", "x", "--format", "gif"],
            Context(text), text), "the host rejects a format outside jpeg|jpg|png|none");
        var recipe = new TileWsiRecipe();
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            recipe.Run(Context(text), new CommonOptions { Out = "x" }, new TileWsiOptions { Input = path, Format = "gif" }));
        StringAssert.Contains(e.Message, "--format");
        Assert.ThrowsExactly<ArgumentException>(() => recipe.Run(Context(text), new CommonOptions { Out = "x" }, new TileWsiOptions { Input = path, MinTissue = 2 }));
        Assert.ThrowsExactly<ArgumentException>(() => recipe.Run(Context(text), new CommonOptions(), new TileWsiOptions { Input = path }));
        Assert.ThrowsExactly<ArgumentException>(() => recipe.Run(Context(text), new CommonOptions { Out = "x" }, new TileWsiOptions()));
    }

    [TestMethod]
    public void OldOptionSpellings_BindToTheSameOptions()
    {
        var (common, bound) = RecipeCommandLine.Bind(new TileWsiRecipe(),
        [
            "--slide", "a.svs", "-o", "out", "--mpp", "0.5", "--mag", "20", "--level", "1", "--tile-size", "512", "--overlap", "16",
            "--no-padding", "--min-tissue", "0.3", "--format", "png", "--quality", "90", "--no-csv", "--no-h5", "--deepzoom",
            "--threshold", "20", "--mask-mpp", "4", "--workers", "3", "--mpp-override", "0.25", "--no-resume", "--no-passthrough", "--openslide",
        ]);
        var o = (TileWsiOptions)bound;
        Assert.AreEqual("out", common.Out);
        var t = o.ToTilerOptions();
        Assert.AreEqual("a.svs", o.Input);
        Assert.AreEqual(new GridOptions { Mpp = 0.5, Magnification = 20, Level = 1, TileSize = 512, Overlap = 16, Padding = false }, t.Grid);
        Assert.AreEqual(new TissueOptions { Threshold = 20, MaskMpp = 4 }, t.Tissue);
        Close.Within(0.3, t.MinTissueFraction, 0, "--min-tissue");
        Assert.AreEqual(TileImageFormat.Png, t.Format);
        Assert.AreEqual(90, t.JpegQuality);
        Assert.IsFalse(t.WriteCsv || t.WriteH5 || t.Resume || t.Passthrough);
        Assert.IsTrue(t.DeepZoom && t.UseOpenSlide);
        Assert.AreEqual(3, t.Workers);
        Close.Within(0.25, t.MppOverride!.Value, 0, "--mpp-override");

        var (benchCommon, bench) = RecipeCommandLine.Bind(new BenchWsiRecipe(), ["--size", "small", "--work", "w", "--workers", "2", "--keep"]);
        var b = (BenchWsiOptions)bench;
        Assert.AreEqual((4000, 3000), b.ParseSize());
        Assert.IsTrue(b.Keep);
        Assert.AreEqual("w", b.Work);
        Assert.AreEqual(2, b.Workers);
        Assert.IsNull(benchCommon.Out);
        Assert.ThrowsExactly<ArgumentException>(() => new BenchWsiOptions { Size = "big" }.ParseSize());
    }

    /// <summary>Records every task started, its total, the units advanced and whether it was disposed.</summary>
    private sealed class RecordingProgress : IZooProgress
    {
        public List<Task> Tasks { get; } = [];

        public IZooProgressTask Start(string description, double total)
        {
            var t = new Task(description, total);
            lock (Tasks) Tasks.Add(t);
            return t;
        }

        public sealed class Task(string name, double total) : IZooProgressTask
        {
            public string Name { get; } = name;
            public double Total { get; } = total;
            public double Done { get; private set; }
            public bool Disposed { get; private set; }
            public void Advance(double units = 1) => Done += units;
            public void Describe(string description) { }
            public void Dispose() => Disposed = true;
        }
    }

    [TestMethod]
    public void TheOldPositionalSlideForm_StillBinds()
    {
        var (common, options) = RecipeCommandLine.Bind(new TileWsiRecipe(), ["slide.svs", "-o", "tiles"]);
        Assert.AreEqual("slide.svs", ((TileWsiOptions)options).Input);
        Assert.AreEqual("tiles", common.Out);
    }
}
