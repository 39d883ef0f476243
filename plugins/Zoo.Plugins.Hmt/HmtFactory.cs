using System.Text.Json.Nodes;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// <c>hmt</c>: wraps the backbone named in the configuration (found in the host catalog at run time, never referenced at
/// compile time) with the HMT memory hierarchy.
/// </summary>
[ZooExport(typeof(IModelFactory), "hmt", Task = ZooTasks.SequenceModeling, Paper = "HMT: Hierarchical Memory Transformer for Efficient Long Context Language Processing",
    ArxivId = "2405.06067", Summary = "Hierarchical memory (sensory tokens, segment memory embeddings, cross-attention recall over a cache) around any zoo sequence model.")]
public sealed class HmtFactory : ModelFactory<HmtConfig>
{
    /// <summary>Resolves a backbone factory by catalog name; a clear error without a host.</summary>
    public static IModelFactory BackboneFactory(string name)
    {
        var catalog = ZooRuntime.Catalog
            ?? throw new InvalidOperationException($"HMT: backbone '{name}' is looked up in the zoo plugin catalog, which is not set (run through the zoo host, or set ZooRuntime.Catalog).");
        return catalog.Get<IModelFactory>(name);
    }

    /// <summary>Builds a freshly initialised backbone from its catalog name and JSON configuration.</summary>
    public static (nn.Module Module, object Config) CreateBackbone(string name, JsonObject? json)
    {
        var factory = BackboneFactory(name);
        var cfg = factory.ParseConfig(json?.DeepClone());
        var module = factory.CreateModel(cfg);
        if (module is not ISequenceModel)
        {
            module.Dispose();
            throw new ArgumentException($"HMT: model '{name}' is not a sequence model (ISequenceModel); it cannot be an HMT backbone.");
        }
        return (module, cfg);
    }

    public override nn.Module Create(HmtConfig config)
    {
        config.Validate();
        var (backbone, _) = CreateBackbone(config.Backbone, config.BackboneConfig);
        try
        {
            return new HierarchicalMemoryTransformer(config, backbone);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }
}
