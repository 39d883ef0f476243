using System.Diagnostics;

namespace Zoo.Cli.Tests;

/// <summary>The TorchBackend property swaps the native TorchSharp package without code changes (evaluated, not restored: CUDA packages are not served here).</summary>
[TestClass]
public sealed class BackendSwitchTests
{
    private static string PackageReferences(string backend)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ZooProcess.RepoRoot };
        foreach (var a in new[] { "msbuild", "hosts/Zoo.Cli/Zoo.Cli.csproj", "-getItem:PackageReference", $"-p:TorchBackend={backend}", "-nologo" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.AreEqual(0, p.ExitCode, output);
        return output;
    }

    [TestMethod]
    [DataRow("cpu", "TorchSharp-cpu")]
    [DataRow("cuda-linux", "TorchSharp-cuda-linux")]
    [DataRow("cuda-windows", "TorchSharp-cuda-windows")]
    public void BackendPropertyPicksTheNativePackage(string backend, string package)
    {
        var refs = PackageReferences(backend);
        StringAssert.Contains(refs, $"\"Identity\": \"{package}\"");
        foreach (var other in new[] { "TorchSharp-cpu", "TorchSharp-cuda-linux", "TorchSharp-cuda-windows" }.Where(o => o != package))
            Assert.IsFalse(refs.Contains($"\"Identity\": \"{other}\""), $"{other} must not be referenced with TorchBackend={backend}");
    }
}
