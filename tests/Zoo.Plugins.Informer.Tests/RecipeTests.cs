using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Hosting;

namespace Zoo.Plugins.Informer.Tests;

/// <summary>The recipes through the host's command line (without the host process): official spellings, presets, files, threads.</summary>
[TestClass]
public sealed class RecipeTests
{
    private static readonly IZooRecipe[] Recipes = new InformerRecipes().Recipes.ToArray();

    private static (ZooContext Context, StringWriter Text) Context()
    {
        var text = new StringWriter();
        return (new ZooContext { Output = new TextOutput(text) }, text);
    }

    private static int Invoke(params string[] args) => RecipeCommandLine.Invoke(Recipes, args, Context().Context);

    private static IZooRecipe Recipe(string verb) => Recipes.Single(r => r.Verb == verb);

    [TestMethod]
    public void ProviderOffersTheFiveVerbs() =>
        CollectionAssert.AreEquivalent(new[] { "train", "eval", "predict", "demo", "bench" }, Recipes.Select(r => r.Verb).ToArray());

    [TestMethod]
    public void CommandLineAcceptsOfficialAndHyphenatedNames()
    {
        var bad = Path.Combine(RepoPaths.TempDir(), "bad.csv");
        File.WriteAllText(bad, "date,OT\n2020-01-01 00:00:00,oops\n");
        foreach (var (root, file) in new[] { ("--root_path", "--data_path"), ("--root-path", "--data-path") })
        {
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => Invoke("train", "informer", root, Path.GetDirectoryName(bad)!, file, "bad.csv",
                "--features", "S", "--seq_len", "8", "--label-len", "4", "--itr", "1"));
            StringAssert.Contains(ex.Message, bad);
            StringAssert.Contains(ex.Message, "line 2");
        }
        // --data FILE is the data file itself.
        var ex3 = Assert.ThrowsExactly<InvalidDataException>(() => Invoke("train", "informer", "--data", bad, "--features", "S", "--seq_len", "8", "--label_len", "4"));
        StringAssert.Contains(ex3.Message, bad);
        var missing = Path.Combine(RepoPaths.TempDir(), "none");
        var ex2 = Assert.ThrowsExactly<DirectoryNotFoundException>(() => Invoke("eval", "informer", "--checkpoint", missing));
        StringAssert.Contains(ex2.Message, missing);
    }

    [TestMethod]
    public void OfficialSpellingsOfCommonOptionsBind()
    {
        var (common, o) = RecipeCommandLine.Bind(Recipe("train"), ["--train_epochs", "3", "--learning_rate", "0.001", "--batch_size", "8",
            "--max_steps", "5", "--seed", "7", "--seq_len", "48", "--d_model", "64", "--distil", "--mix", "--data", "ETTm1", "--lradj", "type2"]);
        var s = (InformerTrainOptions)o;
        Assert.AreEqual((3, 8, 5, 7L), (common.Epochs, common.BatchSize, common.Steps, common.Seed));
        Close.Within(0.001, common.Lr!.Value, 0, "--learning_rate");
        Assert.AreEqual((48, 64, true, true, "type2"), (s.SeqLen, s.DModel, s.DistilOff, s.MixOff, s.Lradj));
        Assert.AreEqual(SplitScheme.EttMinute, InformerTrainOptions.Scheme(common.Data));
        Assert.AreEqual(SplitScheme.Ratio, InformerTrainOptions.Scheme("custom"));
        Assert.AreEqual(SplitScheme.Auto, InformerTrainOptions.Scheme(RepoPaths.EttH1));
        var config = s.ModelConfig(new InformerConfig(), new ForecastDataset(s.DataOptions(RepoPaths.EttH1, new InformerConfig())));
        Assert.AreEqual((48, 64, false, false, 7), (config.SeqLen, config.DModel, config.Distil, config.Mix, config.EncIn));
        Assert.AreEqual(2, Invoke("train", "informer", "--lradj", "type9"), "a value outside the allowed ones is a usage error");
    }

    [TestMethod]
    [DataRow("train", "--features S --seq_len 96 --label_len 48 --pred_len 24 --d_model 128 --n_heads 8 --d_ff 512 --e_layers 2 --d_layers 1 " +
        "--attn prob --train_epochs 6 --max_steps 150 --itr 1 --threads 1")]
    [DataRow("train", "--features M --seq_len 48 --label_len 48 --pred_len 24 --factor 3 --d_model 128 --n_heads 8 --d_ff 512 --e_layers 2 " +
        "--d_layers 1 --attn prob --train_epochs 6 --max_steps 150 --itr 1 --threads 1")]
    [DataRow("train", "--model informerstack --data ETTh1 --root_path data/ett/ --data_path ETTh1.csv --s_layers 3,2,1 --padding 0 " +
        "--dropout 0.05 --embed timeF --activation gelu --freq h --target OT --enc_in 7 --dec_in 7 --c_out 7 --batch_size 32 --patience 3 " +
        "--learning_rate 1e-4 --lradj type1 --itr 2 --des test --checkpoints ./checkpoints/ --loss mse --distil --mix --do_predict --date_column date")]
    [DataRow("eval", "-c ckpt --split test --data_path x.csv --batch_size 16")]
    [DataRow("predict", "--checkpoint ckpt --at 100 -o forecast --data_path x.csv")]
    [DataRow("predict", "-c ckpt --output forecast")]
    [DataRow("eval", "ckpt --split test")]
    [DataRow("predict", "ckpt --at 100 -o forecast")]
    [DataRow("demo", "--threads 4 --data_path x.csv --output out --seconds 20 --test_stride 4")]
    [DataRow("bench", "--lengths 96,384,1536,3072 --threads 1 --repeats 2 --batch_size 2 --d_model 128 --n_heads 8 --d_ff 256 --e_layers 2 " +
        "--d_layers 1 --pred_len 24 --factor 5")]
    public void ReadmeCommandLinesBind(string verb, string line)
    {
        var (common, options) = RecipeCommandLine.Bind(Recipe(verb), line.Split(' '));
        Assert.IsNotNull(options);
        if (line.Contains("--threads")) Assert.IsNotNull(common.Threads, "--threads reaches the host's common options");
    }

    [TestMethod]
    public void SettingNameAndDefaultsFollowTheOfficialScript()
    {
        var s = new InformerTrainOptions();
        var paper = (InformerConfig)new InformerFactory().Preset("paper");
        Assert.AreEqual("informer_ETTh1_ftM_sl96_ll48_pl24_dm512_nh8_el2_dl1_df2048_atprob_fc5_ebtimeF_dtTrue_mxTrue_test_0", s.Setting(paper, null, 0));
        Assert.AreEqual("informer_ETTm1_ftM_sl96_ll48_pl24_dm512_nh8_el2_dl1_df2048_atprob_fc5_ebtimeF_dtTrue_mxTrue_test_1", s.Setting(paper, "ETTm1", 1));
        Assert.AreEqual(2, s.Itr);
        Assert.AreEqual(6, InformerTrainRecipe.DefaultEpochs);
        Close.Within(1e-4, InformerTrainRecipe.DefaultLearningRate, 0, "default learning rate");
        Assert.AreEqual((32, 2021L), (InformerTrainRecipe.DefaultBatchSize, InformerTrainRecipe.DefaultSeed));
        var cfg = new InformerConfig();
        Assert.AreEqual((512, 8, 2048), (cfg.DModel, cfg.NHeads, cfg.DFf));
        Close.Within(0.05, cfg.Dropout, 0, "default dropout");
    }

    [TestMethod]
    public void PresetsAreSmallestFirstAndPaperIsTheDefault()
    {
        var factory = new InformerFactory();
        CollectionAssert.AreEqual(new[] { "tiny", "demo", "bench", "paper" }, factory.Presets.Select(p => p.Name).ToArray());
        var paper = factory.ConfigToJson(factory.Preset("paper")).ToJsonString();
        Assert.AreEqual(factory.ConfigToJson(factory.CreateDefaultConfig()).ToJsonString(), paper);
        var demo = (InformerConfig)factory.Configure("demo", new JsonObject { ["d_model"] = 32 });
        Assert.AreEqual((1, 96, 24, 32, 4), (demo.EncIn, demo.SeqLen, demo.OutLen, demo.DModel, demo.NHeads));
        var sizes = factory.Presets.Select(p => { using var m = factory.CreateModel(p.Config); return m.parameters().Sum(x => x.numel()); }).ToList();
        CollectionAssert.AreEqual(sizes.OrderBy(x => x).ToList(), sizes, string.Join(", ", sizes));
    }

    [TestMethod]
    public void TrainEvalPredictRoundTripWithTypedSideData()
    {
        var csv = TrainingTests.SineCsv();
        var root = RepoPaths.TempDir();
        Assert.AreEqual(0, Invoke("train", "informer:tiny", "--data", csv, "--features", "S", "--train_epochs", "1", "--max_steps", "3",
            "--batch_size", "16", "--itr", "1", "--checkpoints", root, "--do_predict"));
        var dir = Directory.GetDirectories(root).Single();
        StringAssert.StartsWith(Path.GetFileName(dir), "informer_sine_ftS_sl24_ll12_pl6_dm16_nh2");
        foreach (var f in new[] { ".loss.png", ".forecast.csv", ".forecast.png" }) Assert.IsTrue(File.Exists(dir + f), dir + f);

        var info = Checkpoint.ReadInfo(dir);
        var scaler = info.RequireSide<ForecastScalerStats>(ForecastScalerStats.Key);
        CollectionAssert.AreEqual(new[] { "OT" }, scaler.Columns);
        Assert.AreEqual("S", info.RequireSide<ForecastDataSettings>(ForecastDataSettings.Key).Features);

        var (ctx, text) = Context();
        Assert.AreEqual(0, RecipeCommandLine.Invoke(Recipes, ["eval", "informer", "-c", dir, "--split", "val"], ctx));
        StringAssert.Contains(text.ToString(), "(val, ");
        Assert.AreEqual(0, RecipeCommandLine.Invoke(Recipes, ["eval", "informer", dir], ctx));   // the README's positional form
        StringAssert.Contains(text.ToString(), "(test, ");
        var prefix = Path.Combine(root, "f");
        Assert.AreEqual(0, RecipeCommandLine.Invoke(Recipes, ["predict", "informer", "-c", dir, "--output", prefix, "--at", "100"], ctx));
        Assert.HasCount(7, File.ReadAllLines(prefix + ".csv"));
        StringAssert.Contains(text.ToString(), "forecast of OT");

        // Checkpoints written before typed side data kept the data settings under "data": still readable.
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Checkpoint.ConfigFile)))!.AsObject();
        var settings = json[ForecastDataSettings.Key]!;
        json.Remove(ForecastDataSettings.Key);
        json["data"] = settings.DeepClone();
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), json.ToJsonString());
        var (model, options, legacyScaler, _) = InformerCheckpoint.Load(dir);
        using (model)
        {
            Assert.AreEqual(24, options.SeqLen);
            Close.Within(scaler.Mean[0], legacyScaler.Mean[0], 0, "scaler mean from a legacy checkpoint");
        }
    }

    [TestMethod]
    public void DemoRunsOnTheHostsThreadsAndTheDemoPreset()
    {
        int before = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(2);   // what the host does for --threads 2
        try
        {
            var (ctx, text) = Context();
            var outDir = RepoPaths.TempDir();
            Assert.AreEqual(0, RecipeCommandLine.Invoke(Recipes, ["demo", "informer", "--threads", "2", "-o", outDir, "--seconds", "1",
                "--epochs", "1", "--steps", "1", "--test_stride", "50"], ctx));
            Assert.AreEqual(2, TorchSharp.torch.get_num_threads(), "the demo must not change the host's thread count");
            StringAssert.Contains(text.ToString(), "informer:demo: d_model 64, 4 heads");
            StringAssert.Contains(text.ToString(), "2 thread(s)");
            foreach (var f in new[] { "forecast.csv", "forecast.png", "loss.png" }) Assert.IsTrue(File.Exists(Path.Combine(outDir, f)), f);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(before);
        }
    }
}
