namespace Zoo.Architecture.Tests;

/// <summary>The rules find what they should on a small tree built to break each of them (so a green run means something).</summary>
[TestClass]
public sealed class RuleSelfTests
{
    private static string _root = "";

    [ClassInitialize]
    public static void BuildBrokenTree(TestContext _)
    {
        _root = Directory.CreateTempSubdirectory("zoo-arch-").FullName;
        File.WriteAllText(Path.Combine(_root, "Zoo.sln"), "");
        Write("plugins/Zoo.Plugins.A/Zoo.Plugins.A.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- <PackageReference Include="Spectre.Console" /> a comment is not a reference -->
              <ItemGroup>
                <ProjectReference Include="../../core/Zoo.Core/Zoo.Core.csproj" />
                <ProjectReference Include="..\Zoo.Plugins.B\Zoo.Plugins.B.csproj" />
                <PackageReference Include="Spectre.Console.Cli" />
                <PackageReference Include="NetVips" />
              </ItemGroup>
            </Project>
            """);
        Write("plugins/Zoo.Plugins.B/Zoo.Plugins.B.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        Write("core/Zoo.Core/Zoo.Core.csproj", """
            <Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Spectre.Console" /></ItemGroup></Project>
            """);
        Write("plugins/Zoo.Plugins.A/Big.cs", string.Concat(Enumerable.Repeat("// line\n", 251)));
        Write("plugins/Zoo.Plugins.A/Fits.cs", string.Concat(Enumerable.Repeat("// line\n", 250)));
        Write("plugins/Zoo.Plugins.A/obj/Generated.cs", string.Concat(Enumerable.Repeat("// ZooRuntime\n", 400)));
        Write("plugins/Zoo.Plugins.B/Uses.cs", "var c = ZooRuntime.Catalog;\nusing Spectre.Console;\n// HostState\n");
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    private static void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [TestMethod]
    public void FindRoot_WalksUpToZooSln()
    {
        var deep = Directory.CreateDirectory(Path.Combine(_root, "plugins", "Zoo.Plugins.A", "bin", "x")).FullName;
        Assert.AreEqual(_root, ArchitectureRules.FindRoot(deep));
    }

    [TestMethod]
    public void Rules_ReportEachViolation_AndNothingElse()
    {
        CollectionAssert.AreEqual(new[] { "plugins/Zoo.Plugins.A/Zoo.Plugins.A.csproj -> plugins/Zoo.Plugins.B/Zoo.Plugins.B.csproj" },
            ArchitectureRules.PluginToPluginReferences(_root));
        CollectionAssert.AreEqual(new[] { "plugins/Zoo.Plugins.A/Zoo.Plugins.A.csproj: PackageReference Spectre.Console.Cli" },
            ArchitectureRules.PluginSpectreReferences(_root));
        CollectionAssert.AreEqual(new[] { "core/Zoo.Core/Zoo.Core.csproj: PackageReference Spectre.Console" },
            ArchitectureRules.CoreSpectreReferences(_root));
        CollectionAssert.AreEqual(
            new[] { "plugins/Zoo.Plugins.B/Uses.cs:1: ZooRuntime", "plugins/Zoo.Plugins.B/Uses.cs:2: Spectre.", "plugins/Zoo.Plugins.B/Uses.cs:3: HostState" },
            ArchitectureRules.ForbiddenWords(_root));
        CollectionAssert.AreEqual(new[] { "plugins/Zoo.Plugins.A/Big.cs: 251 lines" }, ArchitectureRules.LongPluginFiles(_root));
    }
}
