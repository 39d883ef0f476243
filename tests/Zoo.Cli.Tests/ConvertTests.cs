using TorchSharp;
using TorchSharp.PyBridge;
using Zoo.Core.Checkpoints;

namespace Zoo.Cli.Tests;

[TestClass]
public sealed class ConvertTests
{
    private static string TestPlugins => Path.Combine(ZooProcess.RepoRoot, "artifacts", "testplugins");

    [TestMethod]
    public void PyTorchStateDictConvertsToACheckpointWithoutRenaming()
    {
        var dir = Directory.CreateTempSubdirectory("zoo-convert-").FullName;
        torch.manual_seed(5);
        // Same keys as the reference module: fc.weight, fc.bias (torch.save(model.state_dict()) format).
        using var reference = torch.nn.Sequential(("fc", torch.nn.Linear(4, 3)));
        var pth = Path.Combine(dir, "reference.pth");
        reference.save_py(pth);
        var cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, "{\"config\": {\"in_features\": 4, \"out_features\": 3}}");
        var outDir = Path.Combine(dir, "ckpt");

        var (code, output) = ZooProcess.Run("--plugins", TestPlugins, "convert", "linear", "--weights", pth, "--config", cfg, "--out", outDir);
        Assert.AreEqual(0, code, output);
        var saved = SafeTensors.Read(Path.Combine(outDir, "model.safetensors"));
        foreach (var (k, t) in reference.state_dict())
            Assert.IsTrue(t.eq(saved[k]).all().item<bool>(), k);
        StringAssert.Contains(File.ReadAllText(Path.Combine(outDir, "config.json")), "\"in_features\": 4");
    }

    [TestMethod]
    public void WrongShapesAndGarbageFilesAreNamedErrors()
    {
        var dir = Directory.CreateTempSubdirectory("zoo-convert-").FullName;
        using var reference = torch.nn.Sequential(("fc", torch.nn.Linear(5, 3)));
        var pth = Path.Combine(dir, "reference.pth");
        reference.save_py(pth);
        var (code, output) = ZooProcess.Run("--plugins", TestPlugins, "convert", "linear", "--weights", pth, "--out", Path.Combine(dir, "ckpt"));
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "fc.weight");
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, "ckpt")), "no half-written checkpoint");

        var garbage = Path.Combine(dir, "garbage.pth");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        (code, output) = ZooProcess.Run("--plugins", TestPlugins, "convert", "linear", "--weights", garbage, "--out", Path.Combine(dir, "ckpt2"));
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "garbage.pth");
    }
}
