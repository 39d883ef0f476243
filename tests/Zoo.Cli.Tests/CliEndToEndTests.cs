using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core.Checkpoints;

namespace Zoo.Cli.Tests;

[TestClass]
public sealed class CliEndToEndTests
{
    private static string TestPlugins => Path.Combine(ZooProcess.RepoRoot, "artifacts", "testplugins");

    /// <summary>Runs zoo over the test plugins; asserts the exit code and that the output holds every <paramref name="expected"/> text.</summary>
    private static string Zoo(int exitCode, string[] args, params string[] expected)
    {
        var (code, output) = ZooProcess.Run(["--plugins", TestPlugins, .. args]);
        Assert.AreEqual(exitCode, code, output);
        foreach (var e in expected) StringAssert.Contains(output, e);
        return output;
    }

    [TestMethod]
    public void ListShowsPluginsAndReportsBrokenOnesWithoutFailing() =>
        Zoo(0, ["list"], "linear", "2.0.0", "A test plugin", "broken on purpose", "Zoo.TestPlugins.Dep", "contracts 2.0");

    [TestMethod]
    public void ListAllVersionsShowsBothVersions() => Zoo(0, ["list", "--all-versions"], "1.0.0", "2.0.0");

    [TestMethod]
    public void InfoPrintsCardPresetsDependenciesAndDefaultConfig() =>
        Zoo(0, ["info", "linear"], "\"in_features\": 3", "https://arxiv.org/abs/0000.00000", "other versions", "linear:default", "depends on", "Zoo.Core >= 1.0.0");

    [TestMethod]
    public void PluginCommandsRunByNameAndByVersion()
    {
        Zoo(0, ["demo", "linear@1.0.0"], "linear demo v1.0.0");
        Zoo(0, ["demo", "linear"], "linear demo v2.0.0");
        Zoo(0, ["demo", "linear", "--rows", "3"], "output shape [3, 2]");
    }

    [TestMethod]
    public void ThreadsReachTheRecipe_BeforeOrAfterTheVerb()
    {
        Zoo(0, ["demo", "linear", "--threads", "3"], "threads 3");
        Zoo(0, ["--threads", "2", "demo", "linear"], "threads 2");
        Zoo(2, ["demo", "linear", "--threads", "many"], "many");
    }

    [TestMethod]
    public void RecipeHelpShowsCommonAndOwnOptions() =>
        Zoo(0, ["demo", "linear", "--help"], "--rows", "rows of the input batch", "--batch-size", "--seed", "--threads", "--set");

    [TestMethod]
    public void EnvironmentVariableFindsPlugins()
    {
        var (code, output) = ZooProcess.Run(ZooProcess.RepoRoot, new Dictionary<string, string?> { ["ZOO_PLUGINS"] = TestPlugins }, "info", "linear@1.0.0");
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "1.0.0");
    }

    [TestMethod]
    public void UnknownModelAndMissingCudaAreClearErrors()
    {
        var (code, output) = ZooProcess.Run("--plugins", TestPlugins, "info", "nosuchmodel");
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "No model named 'nosuchmodel'");
        (code, output) = ZooProcess.Run("--plugins", TestPlugins, "--device", "cuda", "list");
        if (!torch.cuda.is_available())
        {
            Assert.AreEqual(2, code, output);
            StringAssert.Contains(output, "CUDA was requested");
        }
    }

    [TestMethod]
    public void VerifyPassesOnAMatchingFixtureAndFailsOnAWrongOne()
    {
        var dir = Directory.CreateTempSubdirectory("zoo-fixture-").FullName;
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var w = torch.randn(2, 3);
        var b = torch.randn(2);
        var x = torch.randn(4, 3);
        var y = x.matmul(w.t()) + b;
        var good = Path.Combine(dir, "linear_ok.safetensors");
        SafeTensors.Write(good, new Dictionary<string, torch.Tensor> { ["model.fc.weight"] = w, ["model.fc.bias"] = b, ["input.x"] = x, ["output.y"] = y });
        File.WriteAllText(Path.ChangeExtension(good, ".json"), new JsonObject { ["model"] = "linear", ["config"] = new JsonObject { ["in_features"] = 3, ["out_features"] = 2 } }.ToJsonString());

        var (code, output) = ZooProcess.Run("--plugins", TestPlugins, "verify", good);
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "pass");

        var bad = Path.Combine(dir, "linear_bad.safetensors");
        SafeTensors.Write(bad, new Dictionary<string, torch.Tensor> { ["model.fc.weight"] = w, ["model.fc.bias"] = b, ["input.x"] = x, ["output.y"] = y + 1e-3 });
        File.Copy(Path.ChangeExtension(good, ".json"), Path.ChangeExtension(bad, ".json"));
        (code, output) = ZooProcess.Run("--plugins", TestPlugins, "verify", bad);
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "FAIL");
        (code, output) = ZooProcess.Run("--plugins", TestPlugins, "verify", bad, "--tol", "1e-2");
        Assert.AreEqual(0, code, output);

        // A fixture whose weights do not fit names the tensor.
        var misfit = Path.Combine(dir, "misfit", "linear_misfit.safetensors");
        Directory.CreateDirectory(Path.GetDirectoryName(misfit)!);
        SafeTensors.Write(misfit, new Dictionary<string, torch.Tensor> { ["model.fc.weight"] = torch.randn(2, 4), ["model.fc.bias"] = b, ["input.x"] = x, ["output.y"] = y });
        File.Copy(Path.ChangeExtension(good, ".json"), Path.ChangeExtension(misfit, ".json"));
        (code, output) = ZooProcess.Run("--plugins", TestPlugins, "verify", misfit);
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "fc.weight");
        StringAssert.Contains(output, "[2, 4]");
    }

    [TestMethod]
    public void TruncatedFixtureIsANamedError()
    {
        var dir = Directory.CreateTempSubdirectory("zoo-fixture-").FullName;
        var file = Path.Combine(dir, "cut.safetensors");
        using (var scope = torch.NewDisposeScope())
            SafeTensors.Write(file, new Dictionary<string, torch.Tensor> { ["input.x"] = torch.randn(8, 8) });
        File.WriteAllText(Path.ChangeExtension(file, ".json"), "{\"model\": \"linear\"}");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^20]);
        var (code, output) = ZooProcess.Run("--plugins", TestPlugins, "verify", file);
        Assert.AreEqual(1, code, output);
        StringAssert.Contains(output, "cut.safetensors");
        StringAssert.Contains(output, "input.x");
    }
}
