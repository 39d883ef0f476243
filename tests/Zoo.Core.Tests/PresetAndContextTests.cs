using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Core.Tests;

public sealed record PresetConfig
{
    public int Width { get; init; } = 4;
    public int Depth { get; init; } = 1;
    public string Name { get; init; } = "tiny";
}

[ZooExport(typeof(IModelFactory), "tiny", Task = ZooTasks.Other)]
public sealed class PresetFactory : ModelFactory<PresetConfig>
{
    protected override IEnumerable<Preset<PresetConfig>> DefinePresets() =>
    [
        new("xs", "the smallest", new() { Width = 2 }),
        new("l", "a large one", new() { Width = 64, Depth = 4, Name = "large" }, ["large", "big"]),
    ];

    public override nn.Module Create(PresetConfig config) => nn.Linear(config.Width, config.Width);
}

/// <summary>Needs "tiny" from the catalog it is given: the pattern of ViViT, HMT and hybrid-lm.</summary>
public sealed record WrapperConfig
{
    public string Inner { get; init; } = "tiny:xs";
}

[ZooExport(typeof(IModelFactory), "wrapper", Task = ZooTasks.Other)]
public sealed class WrapperFactory : ModelFactory<WrapperConfig>
{
    public override nn.Module Create(WrapperConfig config, IZooContext context) => context.Catalog.Resolve(config.Inner).Build(context);
}

[TestClass]
public sealed class PresetAndContextTests
{
    [TestMethod]
    public void ModelSpecs_ParseNameVersionAndPreset()
    {
        Assert.AreEqual(new ModelSpec("vit", null, "tiny"), ModelSpec.Parse("vit:tiny"));
        Assert.AreEqual(new ModelSpec("tnt", new Version(1, 2, 0), "s"), ModelSpec.Parse("tnt@1.2.0:s"));
        Assert.AreEqual(new ModelSpec("informer", null, null), ModelSpec.Parse(" informer "));
        Assert.ThrowsExactly<ArgumentException>(() => ModelSpec.Parse("vit:"));
        Assert.ThrowsExactly<ArgumentException>(() => ModelSpec.Parse("vit@x:tiny"));
        Assert.AreEqual("tnt@1.2.0:s", ModelSpec.Parse("tnt@1.2.0:s").ToString());
    }

    [TestMethod]
    public void Presets_AreListedSmallestFirst_AndResolvedWithOverrides()
    {
        var catalog = new InMemoryCatalog().Add<PresetFactory>();
        var factory = catalog.Get<IModelFactory>("tiny");
        CollectionAssert.AreEqual(new[] { "xs", "l" }, factory.Presets.Select(p => p.Name).ToArray());
        var r = catalog.Resolve("tiny:l", new JsonObject { ["depth"] = 7 });
        Assert.AreEqual(new PresetConfig { Width = 64, Depth = 7, Name = "large" }, r.Config);
        Assert.AreEqual(new PresetConfig(), catalog.Resolve("tiny").Config, "no preset: the defaults");
        Assert.AreEqual(catalog.Resolve("tiny:l").Config, catalog.Resolve("tiny:BIG").Config, "an old spelling of a preset still resolves");
        var unknown = Assert.ThrowsExactly<KeyNotFoundException>(() => catalog.Resolve("tiny:xxl"));
        StringAssert.Contains(unknown.Message, "xs, l");
        var badField = Assert.ThrowsExactly<InvalidDataException>(() => catalog.Resolve("tiny:xs", new JsonObject { ["widht"] = 3 }));
        StringAssert.Contains(badField.Message, "widht");
    }

    [TestMethod]
    public void AModelNeedingAnotherPlugin_IsBuiltFromTheContextsCatalog_WithoutAHost()
    {
        var catalog = new InMemoryCatalog().Add<PresetFactory>().Add<WrapperFactory>();
        using var model = catalog.Resolve("wrapper").Build(ZooContext.For(catalog));
        Assert.AreEqual(2 * 2 + 2, model.parameters().Sum(p => p.numel()), "the inner model is tiny:xs (width 2)");
        var missing = Assert.ThrowsExactly<KeyNotFoundException>(() => new WrapperFactory().CreateModel(new WrapperConfig(), ZooContext.Default));
        StringAssert.Contains(missing.Message, "tiny");
    }

    [TestMethod]
    public void SideData_RoundTripsAsTypedRecords_AndABadFieldNamesTheKey()
    {
        var dir = Path.Combine(Path.GetTempPath(), "zoo-side-" + Guid.NewGuid().ToString("N"));
        try
        {
            var factory = new PresetFactory();
            var config = factory.Presets[0].Config;
            using var model = factory.CreateModel(config);
            var side = new CheckpointSideData()
                .With(LabelNames.Key, new LabelNames { Names = ["cat", "dog"] })
                .With(ScalerStats.Key, new ScalerStats { Mean = [1f, 2f], Std = [3f, 4f] });
            Checkpoint.Save(dir, "tiny", "1.0.0", factory, config, model, side: side);
            var info = Checkpoint.ReadInfo(dir);
            CollectionAssert.AreEqual(new[] { "cat", "dog" }, info.RequireSide<LabelNames>(LabelNames.Key).Names.ToArray());
            CollectionAssert.AreEqual(new[] { 3f, 4f }, info.RequireSide<ScalerStats>(ScalerStats.Key).Std);
            Assert.IsNull(info.Side<DataProvenance>(DataProvenance.Key));
            var e = Assert.ThrowsExactly<InvalidDataException>(() => info.RequireSide<DataProvenance>(DataProvenance.Key));
            StringAssert.Contains(e.Message, "\"data\"");
            Assert.ThrowsExactly<ArgumentException>(() => new CheckpointSideData().With("config", new LabelNames()));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void TextOutput_AlignsTableColumns()
    {
        var w = new StringWriter();
        new TextOutput(w).Table("t", ["a", "bbb"], [["xx", "y"], ["z", "wwww"]]);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("t", lines[0].TrimEnd());
        Assert.AreEqual("a   bbb", lines[1].TrimEnd());
        Assert.AreEqual("xx  y", lines[2].TrimEnd());
        Assert.AreEqual("z   wwww", lines[3].TrimEnd());
    }
}
