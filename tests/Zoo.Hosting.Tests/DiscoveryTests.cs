using Zoo.Core;
using Zoo.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Hosting.Tests;

[TestClass]
public sealed class DiscoveryTests
{
    private const string V1 = "Zoo.TestPlugins.Linear/1.0.0";
    private const string V2 = "Zoo.TestPlugins.Linear/2.0.0";

    [TestMethod]
    public void GoodPluginIsFoundWithItsMetadata()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1)]);
        Assert.AreEqual(0, catalog.Failures.Count, string.Join("; ", catalog.Failures));
        var linear = catalog.Require<IModelFactory>("linear");
        Assert.AreEqual(new Version(1, 0, 0), linear.Version);
        Assert.AreEqual("A test plugin", linear.Metadata.Paper);
        Assert.AreEqual("0000.00000", linear.Metadata.ArxivId);
        Assert.AreEqual(ZooTasks.Other, linear.Metadata.Task);
        Assert.AreEqual(1, catalog.All<IRecipeProvider>().Count);
    }

    [TestMethod]
    public void PluginLivesInItsOwnLoadContextAndSharesTorchSharp()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1)]);
        var component = catalog.Require<IModelFactory>("linear");
        var factory = component.Create();
        Assert.AreSame(component.Plugin.Context, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(factory.GetType().Assembly));
        Assert.AreNotSame(System.Runtime.Loader.AssemblyLoadContext.Default, component.Plugin.Context);

        // A tensor made here goes through the plugin's module and comes back: one TorchSharp for both.
        using var scope = torch.NewDisposeScope();
        var model = (nn.Module<Tensor, Tensor>)factory.CreateModel(factory.ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("{\"in_features\": 4, \"out_features\": 5}")));
        var y = model.call(torch.ones(2, 4));
        CollectionAssert.AreEqual(new long[] { 2, 5 }, y.shape);
        Assert.AreSame(typeof(Tensor).Assembly, model.GetType().BaseType!.Assembly.GetType("TorchSharp.torch+Tensor")!.Assembly);
        CollectionAssert.AreEquivalent(new[] { "fc.weight", "fc.bias" }, model.state_dict().Keys.ToArray());
    }

    [TestMethod]
    public void TwoVersionsSideBySideNewestWinsOlderByNameAtVersion()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1, V2)]);
        Assert.AreEqual(0, catalog.Failures.Count, string.Join("; ", catalog.Failures));
        Assert.AreEqual(2, catalog.All<IModelFactory>().Count);
        Assert.AreEqual(new Version(2, 0, 0), catalog.Require<IModelFactory>("linear").Version);
        Assert.AreEqual(new Version(1, 0, 0), catalog.Require<IModelFactory>("linear@1.0.0").Version);
        Assert.AreEqual(new Version(1, 0, 0), catalog.Require<IModelFactory>("linear@1").Version);
        var v1 = catalog.Require<IModelFactory>("linear@1.0.0");
        var v2 = catalog.Require<IModelFactory>("linear");
        Assert.AreNotSame(v1.Plugin.Context, v2.Plugin.Context);
        Assert.AreNotSame(v1.Create().GetType(), v2.Create().GetType());
        Assert.AreEqual(1, catalog.Latest<IModelFactory>().Count);
    }

    [TestMethod]
    public void ThrowingPluginIsReportedAndOthersStillLoad()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1, "Zoo.TestPlugins.Throws/1.0.0")]);
        var failure = catalog.Failures.Single();
        StringAssert.Contains(failure.Reason, "broken on purpose");
        StringAssert.Contains(failure.Path, "Zoo.TestPlugins.Throws.dll");
        Assert.IsNull(catalog.Find<IModelFactory>("throws"));
        Assert.IsNotNull(catalog.Find<IModelFactory>("linear"));
    }

    [TestMethod]
    public void MissingDependencyIsNamed()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1, "Zoo.TestPlugins.MissingDep/1.0.0")]);
        var failure = catalog.Failures.Single();
        StringAssert.Contains(failure.Reason, "Zoo.TestPlugins.Dep");
        Assert.IsNotNull(catalog.Find<IModelFactory>("linear"));
    }

    [TestMethod]
    public void WrongContractVersionIsRefusedWithBothVersions()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V1, "Zoo.TestPlugins.WrongContract/1.0.0")]);
        var failure = catalog.Failures.Single();
        StringAssert.Contains(failure.Reason, "contracts 2.0");
        StringAssert.Contains(failure.Reason, "this host has 1.0");
    }

    [TestMethod]
    public void MissingFoldersAndUnknownNamesGiveClearAnswers()
    {
        var catalog = PluginCatalog.Discover([Path.Combine(Path.GetTempPath(), "zoo-no-such-folder-" + Guid.NewGuid())]);
        Assert.AreEqual(0, catalog.Plugins.Count);
        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => catalog.Require<IModelFactory>("informer"));
        StringAssert.Contains(ex.Message, "No model named 'informer'");
        StringAssert.Contains(ex.Message, "Searched:");
        Assert.ThrowsExactly<ArgumentException>(() => PluginCatalog.ParseSpec("linear@latest"));
    }

    [TestMethod]
    public void CheckpointOfAPluginModelRoundTripsThroughTheCatalog()
    {
        var catalog = PluginCatalog.Discover([TestPluginFolders.MakeRoot(V2)]);
        var factory = catalog.Require<IModelFactory>("linear").Create();
        var config = factory.CreateDefaultConfig();
        using var model = factory.CreateModel(config);
        var dir = Path.Combine(Directory.CreateTempSubdirectory("zoo-ckpt-").FullName, "linear");
        Checkpoint.Save(dir, "linear", "2.0.0", factory, config, model);
        var (loaded, _, info) = Checkpoint.Load(dir, factory);
        Assert.AreEqual("linear", info.Model);
        foreach (var (k, t) in model.state_dict())
            Assert.IsTrue(t.eq(loaded.state_dict()[k]).all().item<bool>(), k);
    }

    [TestMethod]
    public void SameVersionInTwoRootsTheEarlierRootWins()
    {
        var first = TestPluginFolders.MakeRoot(V1);
        var second = TestPluginFolders.MakeRoot(V1);
        var catalog = PluginCatalog.Discover([first, second]);
        Assert.AreEqual(1, catalog.All<IModelFactory>().Count);
        StringAssert.StartsWith(catalog.Require<IModelFactory>("linear").Plugin.Directory, first);
    }

    [TestMethod]
    public void EnvironmentVariableAddsPluginRoots()
    {
        var root = TestPluginFolders.MakeRoot(V1);
        var old = Environment.GetEnvironmentVariable("ZOO_PLUGINS");
        try
        {
            Environment.SetEnvironmentVariable("ZOO_PLUGINS", root);
            var roots = PluginCatalog.DefaultRoots(["/tmp/extra"]);
            // --plugins first, then ZOO_PLUGINS, then the host's own plugins/ folder.
            Assert.AreEqual("/tmp/extra", roots[0]);
            Assert.AreEqual(root, roots[1]);
            Assert.AreEqual(Path.Combine(AppContext.BaseDirectory, "plugins"), roots[2]);
            Assert.IsNotNull(PluginCatalog.Discover(roots).Find<IModelFactory>("linear"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ZOO_PLUGINS", old);
        }
    }
}
