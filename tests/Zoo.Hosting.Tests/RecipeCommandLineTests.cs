using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using Zoo.Core;
using Zoo.Hosting;

namespace Zoo.Hosting.Tests;

public enum Attention { Prob, Full }

public sealed record ProbeOptions
{
    [Description("input length")] public int SeqLen { get; init; } = 96;
    [Description("attention kind")] public Attention Attn { get; init; } = Attention.Prob;
    [Description("mixers"), AllowedValues("attention", "titans")] public string Mixer { get; init; } = "attention";
    [Description("as the official flag: giving it turns distilling off"), OptionName("--distil")] public bool DistilOff { get; init; }
    [Description("replay memory")] public int Memory { get; init; } = 50;
    [Description("optional width")] public int? Width { get; init; }
}

/// <summary>Records what it was called with.</summary>
public sealed class ProbeRecipe() : Recipe<ProbeOptions>("train", "probe", "a probe")
{
    public CommonOptions? Common { get; private set; }
    public ProbeOptions? Options { get; private set; }
    public int? Threads { get; private set; }

    public override IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string> { ["--learning_rate"] = "--lr", ["--train_epochs"] = "--epochs" };

    public override int Run(IZooContext context, CommonOptions common, ProbeOptions options)
    {
        (Common, Options, Threads) = (common, options, context.Threads);
        return 7;
    }
}

[TestClass]
public sealed class RecipeCommandLineTests
{
    private static (int Rc, ProbeRecipe Recipe, string Output) Run(params string[] args)
    {
        var recipe = new ProbeRecipe();
        var output = new StringWriter();
        var rc = RecipeCommandLine.Invoke([recipe], args, ZooContext.Default, output);
        return (rc, recipe, output.ToString());
    }

    [TestMethod]
    public void Defaults_ComeFromTheRecord_AndCommonOptionsAreNullWhenNotGiven()
    {
        var (rc, r, _) = Run("train", "probe");
        Assert.AreEqual(7, rc);
        Assert.AreEqual(new ProbeOptions(), r.Options);
        Assert.IsNull(r.Common!.Epochs);
        Assert.IsNull(r.Common.Lr);
        Assert.IsNull(r.Common.Preset);
    }

    [TestMethod]
    public void HyphenatedNames_UnderscoreAliases_EnumsAndRenamedFlags()
    {
        var (_, a, _) = Run("train", "probe", "--seq-len", "48", "--attn", "full", "--distil");
        var (_, b, _) = Run("train", "probe", "--seq_len=48", "--attn", "Full", "--distil");
        Assert.AreEqual(48, a.Options!.SeqLen);
        Assert.AreEqual(Attention.Full, a.Options.Attn);
        Assert.IsTrue(a.Options.DistilOff);
        Assert.AreEqual(a.Options, b.Options);
    }

    [TestMethod]
    public void CommonOptions_AndTheRecipesOldSpellings()
    {
        var (_, r, _) = Run("train", "probe", "--learning_rate", "0.01", "--train_epochs", "3", "--batch_size", "8", "--seed", "5",
            "--threads", "2", "--data", "x.csv", "-o", "out", "--steps", "9");
        Close.Within(0.01, r.Common!.Lr!.Value, 1e-15, "--learning_rate");
        Assert.AreEqual(3, r.Common.Epochs);
        Assert.AreEqual(8, r.Common.BatchSize);
        Assert.AreEqual(5L, r.Common.Seed);
        Assert.AreEqual(2, r.Common.Threads);
        Assert.AreEqual(2, r.Threads, "the context carries --threads to the recipe");
        Assert.AreEqual("x.csv", r.Common.Data);
        Assert.AreEqual("out", r.Common.Out);
        Assert.AreEqual(9, r.Common.Steps);
    }

    [TestMethod]
    public void GlobalThreads_BeforeTheVerb_IsBound()
    {
        var (_, r, _) = Run("--threads", "3", "train", "probe");
        Assert.AreEqual(3, r.Common!.Threads);
    }

    [TestMethod]
    public void ModelColonPreset_AndSetPairs_SplitBetweenRecipeOptionsAndModelOverrides()
    {
        var (_, r, _) = Run("train", "probe:small", "--set", "memory=200", "--set", "depth=2", "--set", "name=abc");
        Assert.AreEqual("small", r.Common!.Preset);
        Assert.AreEqual(200, r.Options!.Memory, "a --set key naming a recipe option sets it");
        Assert.AreEqual(2, (int)r.Common.Overrides!["depth"]!);
        Assert.AreEqual("abc", (string)r.Common.Overrides["name"]!);
        Assert.IsFalse(r.Common.Overrides.ContainsKey("memory"));
    }

    [TestMethod]
    public void UsageErrors_ReturnTwo_AndNameTheOption()
    {
        var (rc1, r1, out1) = Run("train", "probe", "--mixer", "mamba");
        Assert.AreEqual(2, rc1);
        Assert.IsNull(r1.Options, "the recipe does not run");
        StringAssert.Contains(out1, "mamba");
        var (rc2, _, out2) = Run("train", "probe", "--seq-len", "many");
        Assert.AreEqual(2, rc2);
        StringAssert.Contains(out2, "many");
        var (rc3, _, _) = Run("train", "nosuchmodel");
        Assert.AreEqual(2, rc3);
    }

    [TestMethod]
    public void Help_ListsTheRecordsOptionsWithDescriptionsAndDefaults()
    {
        var (rc, r, output) = Run("train", "probe", "--help");
        Assert.AreEqual(0, rc);
        Assert.IsNull(r.Options);
        StringAssert.Contains(output, "--seq-len");
        StringAssert.Contains(output, "--seq_len");
        StringAssert.Contains(output, "input length");
        StringAssert.Contains(output, "96");
        StringAssert.Contains(output, "--batch-size");
    }

    [TestMethod]
    public void ARecordClashingWithACommonOption_IsRejectedWithItsName()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => RecipeCommandLine.Invoke([new ClashRecipe()], ["train", "clash"], ZooContext.Default));
        StringAssert.Contains(ex.Message, "--seed");
    }

    public sealed record ClashOptions
    {
        [Description("clashes")] public int Seed { get; init; }
    }

    private sealed class ClashRecipe() : Recipe<ClashOptions>("train", "clash", "clash")
    {
        public override int Run(IZooContext context, CommonOptions common, ClashOptions options) => 0;
    }
}

public sealed record TileProbeOptions
{
    [Description("slide or folder"), Zoo.Core.Positional] public string? Input { get; init; }
    [Description("tile size")] public int TileSize { get; init; } = 256;
}

[TestClass]
public sealed class PositionalArgumentTests
{
    private sealed class TileProbe() : Recipe<TileProbeOptions>("tile", "wsi", "probe")
    {
        public TileProbeOptions? Seen { get; private set; }

        public override int Run(IZooContext context, CommonOptions common, TileProbeOptions options)
        {
            Seen = options;
            return 0;
        }
    }

    [TestMethod]
    public void APositionalProperty_TakesTheArgumentAfterTheModel_OrItsOptionName()
    {
        var a = new TileProbe();
        Assert.AreEqual(0, RecipeCommandLine.Invoke([a], ["tile", "wsi", "slide.svs", "--tile-size", "512"], ZooContext.Default));
        Assert.AreEqual(new TileProbeOptions { Input = "slide.svs", TileSize = 512 }, a.Seen);
        var b = new TileProbe();
        Assert.AreEqual(0, RecipeCommandLine.Invoke([b], ["tile", "wsi", "--input", "slide.svs", "--tile_size", "512"], ZooContext.Default));
        Assert.AreEqual(a.Seen, b.Seen);
        Assert.ThrowsExactly<ArgumentException>(() => RecipeCommandLine.Invoke([new TileProbe()], ["tile", "wsi", "x.svs", "--input", "y.svs"], ZooContext.Default));
    }
}

[TestClass]
public sealed class DryRunTests
{
    [TestMethod]
    public void DryRun_PrintsTheBoundOptions_AndDoesNotRunTheRecipe()
    {
        var recipe = new ProbeRecipe();
        var output = new StringWriter();
        var rc = RecipeCommandLine.Invoke([recipe], ["train", "probe:small", "--seq_len", "48", "--lr", "0.5", "--dry-run"], ZooContext.Default, output);
        Assert.AreEqual(0, rc);
        Assert.IsNull(recipe.Options, "a dry run does not run the recipe");
        var plan = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
        Assert.AreEqual(48, (int)plan["options"]!["seq_len"]!);
        Assert.AreEqual("small", (string)plan["common"]!["preset"]!);
        Close.Within(0.5, (double)plan["common"]!["lr"]!, 0, "lr");
    }
}

public sealed record ManyProbeOptions
{
    [Description("clips"), Zoo.Core.Positional] public string[]? Clips { get; init; }
}

[TestClass]
public sealed class ArrayPositionalTests
{
    private sealed class Many() : Recipe<ManyProbeOptions>("predict", "many", "probe")
    {
        public string[]? Seen { get; private set; }

        public override int Run(IZooContext context, CommonOptions common, ManyProbeOptions options)
        {
            Seen = options.Clips;
            return 0;
        }
    }

    [TestMethod]
    public void AnArrayPositional_TakesEveryRemainingArgument()
    {
        var r = new Many();
        Assert.AreEqual(0, RecipeCommandLine.Invoke([r], ["predict", "many", "a.gif", "b.gif", "-c", "ckpt"], ZooContext.Default));
        CollectionAssert.AreEqual(new[] { "a.gif", "b.gif" }, r.Seen);
        var s = new Many();
        Assert.AreEqual(0, RecipeCommandLine.Invoke([s], ["predict", "many", "--set", "clips=x.gif,y.gif"], ZooContext.Default));
        CollectionAssert.AreEqual(new[] { "x.gif", "y.gif" }, s.Seen);
    }
}
