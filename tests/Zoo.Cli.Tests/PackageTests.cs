using System.Diagnostics;

namespace Zoo.Cli.Tests;

/// <summary>
/// Packs Zoo.Core and a plugin into a local feed, restores them into a fresh project outside the repository
/// (no Directory.Build.* files apply there) and runs a model: proves the per-plugin package works on its own,
/// including Zoo.Core's buildTransitive fix for libLibTorchSharp.so on Debian 12.
/// </summary>
[TestClass]
public sealed class PackageTests
{
    internal static (int Code, string Output) Dotnet(string workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(8))) { p.Kill(true); throw new TimeoutException("dotnet " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A nuget.config with the local feed first and the machine's package cache as a fallback folder.</summary>
    internal static void WriteNugetConfig(string app, string feed)
    {
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="local" value="{feed}" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
              <fallbackPackageFolders><add key="cache" value="{globalPackages}" /></fallbackPackageFolders>
            </configuration>
            """);
    }

    /// <summary>Packs <paramref name="projects"/> (repository-relative, already built in this configuration) into <c>work/feed</c>.</summary>
    internal static string PackInto(string work, IEnumerable<string> projects)
    {
        var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var feed = Path.Combine(work, "feed");
        foreach (var project in projects)
        {
            var (code, output) = Dotnet(ZooProcess.RepoRoot, "pack", project, "--no-build", "-c", config, "-o", feed);
            Assert.AreEqual(0, code, $"dotnet pack {project}:\n{output}");
        }
        return feed;
    }

    [TestMethod]
    public void PackedPluginRestoresIntoAFreshProjectAndRuns()
    {
        var work = Directory.CreateTempSubdirectory("zoo-pack-").FullName;
        try
        {
            var feed = PackInto(work, ["core/Zoo.Core/Zoo.Core.csproj", "tests/TestPlugins/Linear.V1/Zoo.TestPlugins.Linear.V1.csproj"]);
            Assert.IsTrue(File.Exists(Path.Combine(feed, "Zoo.Core.1.0.0.nupkg")));
            Assert.IsTrue(File.Exists(Path.Combine(feed, "Zoo.TestPlugins.Linear.1.0.0.nupkg")));

            var app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            WriteNugetConfig(app, feed);
            // A private package folder, so a stale Zoo.Core 1.0.0 in the machine cache is never used; TorchSharp comes from the fallback folder.
            File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
                    <RestorePackagesPath>{Path.Combine(work, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Zoo.TestPlugins.Linear" Version="1.0.0" />
                    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using Zoo.TestPlugins.Linear;
                var factory = new LinearFactory();
                var model = (TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>)factory.Create(new LinearConfig { InFeatures = 4, OutFeatures = 6 });
                var y = model.call(TorchSharp.torch.ones(2, 4));
                System.Console.WriteLine($"packaged model output [{string.Join(",", y.shape)}]");
                """);
            var (runCode, runOutput) = Dotnet(app, "run");
            Assert.AreEqual(0, runCode, runOutput);
            StringAssert.Contains(runOutput, "packaged model output [2,6]");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
