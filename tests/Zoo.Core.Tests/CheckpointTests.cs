using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Core.Tests;

public sealed record TinyConfig
{
    public int Width { get; init; } = 4;
    public int Classes { get; init; } = 3;
}

/// <summary>A model with parameters and buffers (BatchNorm), state_dict keys as in PyTorch.</summary>
public sealed class TinyNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> fc1;
    private readonly nn.Module<Tensor, Tensor> bn;
    private readonly nn.Module<Tensor, Tensor> fc2;
#pragma warning restore IDE1006

    public TinyNet(TinyConfig c) : base("TinyNet")
    {
        fc1 = nn.Linear(c.Width, 8);
        bn = nn.BatchNorm1d(8);
        fc2 = nn.Linear(8, c.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.call(nn.functional.relu(bn.call(fc1.call(x))));
}

public sealed class TinyFactory : ModelFactory<TinyConfig>
{
    public override nn.Module Create(TinyConfig config) => new TinyNet(config);
}

[TestClass]
public sealed class CheckpointTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateTempSubdirectory("zoo-ckpt-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>A trained model saved as version 1.0.0 in <c>ckpt/</c>.</summary>
    private (TinyNet Model, TinyConfig Config, TinyFactory Factory, string Path) Saved()
    {
        var (model, config) = Trained();
        var factory = new TinyFactory();
        var path = Path.Combine(_dir, "ckpt");
        Checkpoint.Save(path, "tiny", "1.0.0", factory, config, model);
        return (model, config, factory, path);
    }

    private (TinyNet Model, TinyConfig Config) Trained()
    {
        torch.manual_seed(7);
        var config = new TinyConfig { Width = 5, Classes = 2 };
        var model = new TinyNet(config);
        model.train();
        using var scope = torch.NewDisposeScope();
        model.call(torch.randn(16, 5));   // moves BatchNorm running statistics away from their defaults
        model.eval();
        return (model, config);
    }

    [TestMethod]
    public void RoundTripRestoresEveryParameterAndBuffer()
    {
        var (model, config) = Trained();
        var factory = new TinyFactory();
        var path = Path.Combine(_dir, "ckpt");
        Checkpoint.Save(path, "tiny", "1.2.3", factory, config, model, new JsonObject { ["classes"] = new JsonArray("a", "b") });

        Assert.IsTrue(File.Exists(Path.Combine(path, "config.json")));
        Assert.IsTrue(File.Exists(Path.Combine(path, "model.safetensors")));
        Assert.AreEqual(0, Directory.GetDirectories(_dir).Count(d => d.Contains(".tmp-")), "no temp folder left behind");

        var (loaded, loadedConfig, info) = Checkpoint.Load(path, factory);
        Assert.AreEqual("tiny", info.Model);
        Assert.AreEqual("1.2.3", info.Version);
        Assert.AreEqual(config, loadedConfig);
        Assert.AreEqual("b", info.Extra["classes"]![1]!.GetValue<string>());
        var expected = model.state_dict();
        var actual = loaded.state_dict();
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList());
        CollectionAssert.Contains(actual.Keys.ToList(), "bn.running_mean");
        foreach (var (k, t) in expected)
            Assert.IsTrue(t.eq(actual[k]).all().item<bool>(), $"tensor {k} differs after reload");

        loaded.eval();
        using var x = torch.randn(3, 5);
        Assert.IsTrue(model.call(x).allclose(((TinyNet)loaded).call(x)));
    }

    [TestMethod]
    public void SavingOverAnExistingCheckpointReplacesItWhole()
    {
        var (model, config, factory, path) = Saved();
        Checkpoint.Save(path, "tiny", "2.0.0", factory, config, model);
        Assert.AreEqual("2.0.0", Checkpoint.ReadInfo(path).Version);
        Assert.AreEqual(1, Directory.GetDirectories(_dir).Length, "only the checkpoint folder remains");
    }

    [TestMethod]
    public void TruncatedWeightsFileNamesFileAndTensor()
    {
        var (model, config, factory, path) = Saved();
        var weights = Path.Combine(path, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..^10]);

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Checkpoint.Load(path, factory));
        StringAssert.Contains(ex.Message, weights);
        StringAssert.Contains(ex.Message, "truncated");
        StringAssert.Contains(ex.Message, "tensor '");
    }

    [TestMethod]
    public void FileShorterThanItsHeaderIsReported()
    {
        var file = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(file, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(file));
        StringAssert.Contains(ex.Message, file);
        StringAssert.Contains(ex.Message, "header claims 200 bytes");

        File.WriteAllBytes(file, [1, 2, 3]);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(file));
        StringAssert.Contains(ex.Message, "too short");
    }

    [TestMethod]
    public void CorruptHeaderJsonAndBadDtypeAreReported()
    {
        var file = Path.Combine(_dir, "bad.safetensors");
        void WriteHeader(string json)
        {
            var h = System.Text.Encoding.UTF8.GetBytes(json);
            File.WriteAllBytes(file, [.. BitConverter.GetBytes((long)h.Length), .. h, .. new byte[16]]);
        }
        WriteHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], ");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(file)).Message, "not valid JSON");

        WriteHeader("{\"w\": {\"dtype\": \"Q7\", \"shape\": [2], \"data_offsets\": [0, 8]}}");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(file)).Message, "tensor 'w': unsupported dtype 'Q7'");

        WriteHeader("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(file)).Message, "needs 12 bytes");
    }

    [TestMethod]
    public void ShapeMismatchAndMissingTensorNameTheTensor()
    {
        var (model, config, factory, path) = Saved();
        // Rewrite config.json so the model built from it is wider than the saved weights.
        var cfgPath = Path.Combine(path, "config.json");
        File.WriteAllText(cfgPath, File.ReadAllText(cfgPath).Replace("\"width\": 5", "\"width\": 6"));
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Checkpoint.Load(path, factory));
        StringAssert.Contains(ex.Message, "tensor 'fc1.weight' has shape [8, 5] in the file but [8, 6] in the model");

        var partial = model.state_dict().Where(kv => kv.Key != "fc2.bias").ToDictionary(kv => kv.Key, kv => kv.Value);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => StateDict.Load(new TinyNet(config), partial, "x.safetensors"));
        StringAssert.Contains(ex.Message, "missing tensor 'fc2.bias'");
    }

    [TestMethod]
    public void UnknownConfigFieldIsAnErrorNamingTheFile()
    {
        var (model, config, factory, path) = Saved();
        var cfgPath = Path.Combine(path, "config.json");
        File.WriteAllText(cfgPath, File.ReadAllText(cfgPath).Replace("\"width\": 5", "\"widht\": 5"));
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Checkpoint.Load(path, factory));
        StringAssert.Contains(ex.Message, cfgPath);
        StringAssert.Contains(ex.Message, "widht");
    }

    [TestMethod]
    public void AllDtypesRoundTripThroughSafeTensors()
    {
        var file = Path.Combine(_dir, "all.safetensors");
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = torch.tensor(new float[] { 1.5f, -2 }),
            ["f64"] = torch.tensor(new double[] { 3.25 }),
            ["i64"] = torch.tensor(new long[] { 1L << 40, -3 }),
            ["i32"] = torch.tensor(new int[] { 7 }),
            ["u8"] = torch.tensor(new byte[] { 255, 0 }),
            ["b"] = torch.tensor(new bool[] { true, false }),
            ["bf16"] = torch.tensor(new float[] { 0.5f }).to(ScalarType.BFloat16),
            ["empty"] = torch.zeros(0, 3),
        };
        SafeTensors.Write(file, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var back = SafeTensors.Read(file);
        foreach (var (k, t) in tensors)
        {
            Assert.AreEqual(t.dtype, back[k].dtype, k);
            CollectionAssert.AreEqual(t.shape, back[k].shape, k);
            Assert.IsTrue(t.eq(back[k]).all().item<bool>(), k);
        }
        Assert.AreEqual("pt", SafeTensors.ReadHeader(file).Metadata["format"]);
    }

    [TestMethod]
    public void ForwardLoopInsideDisposeScopesDoesNotGrowLiveTensors()
    {
        var (model, _) = Trained();
        using var x = torch.randn(4, 5);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) { using var s = torch.NewDisposeScope(); model.call(x); }
        long before = Live();
        for (int i = 0; i < 50; i++) { using var s = torch.NewDisposeScope(); model.call(x); }
        Assert.AreEqual(before, Live(), "tensors leaked out of the dispose scopes");
    }
}
