namespace Zoo.Architecture.Tests;

/// <summary>
/// Issue 12's "done when", checked on this repository: no plugin project references another plugin or Spectre,
/// Zoo.Core references no Spectre, no plugin source reads ZooRuntime/HostState or uses Spectre, and no plugin source
/// is longer than 250 lines.
/// </summary>
[TestClass]
public sealed class RepositoryRuleTests
{
    private static readonly string Root = ArchitectureRules.FindRoot(AppContext.BaseDirectory);

    [TestMethod]
    public void RepoRoot_IsFoundAndHasPlugins()
    {
        Assert.IsTrue(File.Exists(Path.Combine(Root, "Zoo.sln")));
        Assert.IsNotEmpty(ArchitectureRules.PluginProjects(Root), "plugins/*/*.csproj");
        Assert.IsNotEmpty(ArchitectureRules.PluginSources(Root), "plugins/**/*.cs");
    }

    /// <summary>Each rule: what a violation means, and the check that lists the violations.</summary>
    public static IEnumerable<object[]> Rules =>
    [
        ["a plugin references another plugin project", nameof(ArchitectureRules.PluginToPluginReferences)],
        ["a plugin references a Spectre package", nameof(ArchitectureRules.PluginSpectreReferences)],
        ["Zoo.Core references a Spectre package", nameof(ArchitectureRules.CoreSpectreReferences)],
        ["a plugin source mentions ZooRuntime, HostState or Spectre.", nameof(ArchitectureRules.ForbiddenWords)],
        [$"a plugin source is longer than {ArchitectureRules.MaxPluginFileLines} lines", nameof(ArchitectureRules.LongPluginFiles)],
    ];

    [TestMethod]
    [DynamicData(nameof(Rules))]
    public void RepositoryRuleHolds(string violation, string check)
    {
        var v = (IReadOnlyCollection<string>)typeof(ArchitectureRules).GetMethod(check)!.Invoke(null, [Root])!;
        Assert.IsEmpty(v, ArchitectureRules.Report(violation, v));
    }

    [TestMethod]
    public void ZooCoresProjectIsWhereTheCoreRuleLooks() =>
        Assert.IsNotEmpty(Directory.GetFiles(Path.Combine(Root, "core", "Zoo.Core"), "*.csproj"), "core/Zoo.Core/*.csproj");
}
