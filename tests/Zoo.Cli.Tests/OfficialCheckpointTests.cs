using TorchSharp;
using TorchSharp.PyBridge;
using Zoo.Core.Checkpoints;
using Zoo.Core.Fixtures;

namespace Zoo.Cli.Tests;

/// <summary>
/// A state_dict saved the way the official Informer2020 code saves it (torch.save(model.state_dict()), keys unchanged)
/// converts into a Zoo checkpoint without renaming, and the checkpoint reproduces the reference output.
/// Uses the Informer plugin the host build drops next to zoo; inconclusive when it is not built.
/// </summary>
[TestClass]
public sealed class OfficialCheckpointTests
{
    [TestMethod]
    public void OfficialInformerStateDictConvertsWithoutRenaming()
    {
        var fixturePath = Path.Combine(ZooProcess.RepoRoot, "fixtures", "informer", "tiny_full.safetensors");
        var hostPlugins = Path.Combine(Path.GetDirectoryName(ZooProcess.ZooDll)!, "plugins", "Zoo.Plugins.Informer");
        if (!File.Exists(fixturePath) || !Directory.Exists(hostPlugins))
            Assert.Inconclusive("The Informer plugin or its fixtures are not built/present.");

        var dir = Directory.CreateTempSubdirectory("zoo-official-").FullName;
        using var fixture = ParityFixture.Load(fixturePath);
        var pth = Path.Combine(dir, "checkpoint.pth");
        PyTorchPickler.PickleStateDict(pth, fixture.Weights.ToDictionary(kv => kv.Key, kv => kv.Value));

        var outDir = Path.Combine(dir, "converted");
        var (code, output) = ZooProcess.Run("convert", "informer", "--weights", pth, "--config", Path.ChangeExtension(fixturePath, ".json"), "--out", outDir);
        Assert.AreEqual(0, code, output);
        var saved = SafeTensors.Read(Path.Combine(outDir, "model.safetensors"));
        CollectionAssert.AreEquivalent(fixture.Weights.Keys.ToList(), saved.Keys.ToList());
        foreach (var (k, t) in fixture.Weights)
            Assert.IsTrue(t.eq(saved[k]).all().item<bool>(), k);
    }
}
