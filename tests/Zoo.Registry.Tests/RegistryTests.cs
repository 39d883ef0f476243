using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Registry.Tests;

/// <summary>
/// One test set over every model the catalog exports, each at its smallest preset (the first). A new plugin is
/// covered by adding nothing: it only has to export a factory whose model implements a task interface.
/// </summary>
[TestClass]
public sealed class RegistryTests
{
    private static (IModelFactory Factory, object Config, nn.Module Model) Build(string name)
    {
        var factory = Registry.Catalog.Require<IModelFactory>(name).Create();
        Assert.IsNotEmpty(factory.Presets, $"{name}: no presets");
        var config = factory.Presets[0].Config;
        manual_seed(0);
        var model = factory.CreateModel(config, ZooContext.For(Registry.Catalog));
        model.eval();
        return (factory, config, model);
    }

    [TestMethod]
    public void TheRegistryHoldsEveryPluginsModels()
    {
        Assert.IsEmpty(Registry.Catalog.Failures, string.Join("\n", Registry.Catalog.Failures.Select(f => $"{f.Path}: {f.Reason}")));
        var names = Registry.Catalog.Latest<IModelFactory>().Select(c => c.Name).ToList();
        foreach (var expected in new[] { "informer", "tnt", "vit", "vivit", "titans", "atlas", "gated-deltanet", "hgrn2", "hybrid-lm", "hmt" })
            CollectionAssert.Contains(names, expected);
    }

    [TestMethod]
    [DynamicData(nameof(Registry.Models), typeof(Registry))]
    public void ConfigJsonRoundTrips_ForEveryPreset(string name)
    {
        var factory = Registry.Catalog.Require<IModelFactory>(name).Create();
        foreach (var preset in factory.Presets)
        {
            var json = factory.ConfigToJson(preset.Config);
            var again = factory.ConfigToJson(factory.ParseConfig(JsonNode.Parse(json.ToJsonString())));
            Assert.IsTrue(JsonNode.DeepEquals(json, again), $"{name}:{preset.Name}: {json.ToJsonString()} became {again.ToJsonString()}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Registry.Models), typeof(Registry))]
    public void ForwardHasTheShapeItsTaskPromises(string name)
    {
        using var scope = NewDisposeScope();
        var (_, _, model) = Build(name);
        using (model)
        using (no_grad())
        {
            var (y, expected) = ModelProbe.Run(model);
            CollectionAssert.AreEqual(expected, y.shape, $"{name}: output [{string.Join(", ", y.shape)}], expected [{string.Join(", ", expected)}]");
            Close.AllFinite(y, $"{name}: output");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Registry.Models), typeof(Registry))]
    public void SaveThenLoad_ReproducesTheOutputsExactly(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"zoo-registry-{name}-{Guid.NewGuid():N}");
        try
        {
            using var scope = NewDisposeScope();
            var (factory, config, model) = Build(name);
            Tensor before;
            using (model)
            using (no_grad())
            {
                before = ModelProbe.Run(model).Output;
                Checkpoint.Save(dir, name, "0.0.0", factory, config, model);
            }
            var (loaded, _, _) = Checkpoint.Load(dir, factory, ZooContext.For(Registry.Catalog));
            using (loaded)
            using (no_grad())
            {
                loaded.eval();
                var after = ModelProbe.Run(loaded).Output;
                Close.Tensors(before, after, 0.0, $"{name}: outputs after save/load");
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Registry.Models), typeof(Registry))]
    public void FiftyForwardPassesInADisposeScope_LeaveNativeMemoryFlat(string name)
    {
        var (_, _, model) = Build(name);
        using (model)
        using (no_grad())
        {
            void Pass()
            {
                using var scope = NewDisposeScope();
                ModelProbe.Run(model);
            }
            for (int i = 0; i < 3; i++) Pass();   // warm-up: caches, lazily built buffers
            long tensors = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            long rss = Rss();
            for (int i = 0; i < 50; i++) Pass();
            Assert.AreEqual(tensors, DisposeScopeManager.Statistics.ThreadTotalLiveCount, $"{name}: live tensors grew over 50 forward passes");
            long grown = Rss() - rss;
            Close.AtMost(64 << 20, grown, $"{name}: resident memory growth (bytes) over 50 forward passes");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Registry.Models), typeof(Registry))]
    public void ThreadsAreHonoured_TheModelNeverResetsThem(string name)
    {
        int saved = get_num_threads();
        try
        {
            set_num_threads(3);   // what `zoo --threads 3` does before building a model
            using var scope = NewDisposeScope();
            var (_, _, model) = Build(name);
            using (model)
            using (no_grad())
                ModelProbe.Run(model);
            Assert.AreEqual(3, get_num_threads(), $"{name}: building or running the model changed libtorch's thread count");
        }
        finally
        {
            set_num_threads(saved);
        }
    }

    private static long Rss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
