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

    [TestMethod]
    public void NoPluginProject_ReferencesAnotherPluginProject()
    {
        var v = ArchitectureRules.PluginToPluginReferences(Root);
        Assert.IsEmpty(v, ArchitectureRules.Report("a plugin references another plugin project", v));
    }

    [TestMethod]
    public void NoPluginProject_ReferencesSpectre()
    {
        var v = ArchitectureRules.PluginSpectreReferences(Root);
        Assert.IsEmpty(v, ArchitectureRules.Report("a plugin references a Spectre package", v));
    }

    [TestMethod]
    public void ZooCore_ReferencesNoSpectre()
    {
        Assert.IsNotEmpty(Directory.GetFiles(Path.Combine(Root, "core", "Zoo.Core"), "*.csproj"), "core/Zoo.Core/*.csproj");
        var v = ArchitectureRules.CoreSpectreReferences(Root);
        Assert.IsEmpty(v, ArchitectureRules.Report("Zoo.Core references a Spectre package", v));
    }

    [TestMethod]
    public void NoPluginSource_MentionsTheRuntimeLocatorOrSpectre()
    {
        var v = ArchitectureRules.ForbiddenWords(Root);
        Assert.IsEmpty(v, ArchitectureRules.Report("a plugin source mentions ZooRuntime, HostState or Spectre.", v));
    }

    [TestMethod]
    public void NoPluginSource_IsLongerThan250Lines()
    {
        var v = ArchitectureRules.LongPluginFiles(Root);
        Assert.IsEmpty(v, ArchitectureRules.Report($"a plugin source is longer than {ArchitectureRules.MaxPluginFileLines} lines", v));
    }
}
