using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// <c>hmt</c>: wraps the backbone named in the configuration (asked of the context's catalog, never referenced at
/// compile time) with the HMT memory hierarchy.
/// </summary>
[ZooExport(typeof(IModelFactory), "hmt", Task = ZooTasks.SequenceModeling,
    Paper = "HMT: Hierarchical Memory Transformer for Efficient Long Context Language Processing",
    ArxivId = "2405.06067",
    Summary = "Hierarchical memory (sensory tokens, segment memory embeddings, cross-attention recall over a cache) around any zoo sequence model.")]
public sealed class HmtFactory : ModelFactory<HmtConfig>
{
    /// <summary>tiny (tests), small (the train/eval recipes' default), wide (the benchmark's window).</summary>
    protected override IEnumerable<Preset<HmtConfig>> DefinePresets()
    {
        yield return new("tiny", "hybrid-lm:tiny backbone, window 16, 4 sensory tokens, N 8, h 8 (tests)",
            new() { Backbone = "hybrid-lm:tiny", SegmentLength = 16, NumSensory = 4, MemRecallContext = 8, MemRecallHiddenDim = 8 });
        yield return new("small", "hybrid-lm:attention-2l backbone, window 64, 8 sensory tokens, N 100, h 64",
            new() { Backbone = "hybrid-lm:attention-2l" });
        yield return new("wide", "hybrid-lm:attention-2l backbone, window 256, 32 sensory tokens (zoo bench hmt)",
            new() { Backbone = "hybrid-lm:attention-2l", SegmentLength = 256, NumSensory = 32 });
    }

    /// <summary>The backbone's factory and configuration (its preset with the overrides) from the context's catalog.</summary>
    public static ResolvedModel ResolveBackbone(HmtConfig config, IZooContext context)
    {
        if (context.Catalog.Models().Count == 0)
            throw new InvalidOperationException($"HMT: backbone '{config.Backbone}' is looked up in the zoo plugin catalog, which is empty " +
                "(build HMT with a context whose catalog holds the backbone: factory.CreateModel(config, context)).");
        return context.Catalog.Resolve(config.Backbone, config.BackboneConfig);
    }

    /// <summary>Builds a freshly initialised backbone; it must be an <see cref="ISequenceModel"/>.</summary>
    public static (nn.Module Module, ResolvedModel Resolved) CreateBackbone(HmtConfig config, IZooContext context)
    {
        var resolved = ResolveBackbone(config, context);
        var module = resolved.Build(context);
        if (module is not ISequenceModel)
        {
            module.Dispose();
            throw new ArgumentException($"HMT: model '{config.Backbone}' is not a sequence model (ISequenceModel); it cannot be an HMT backbone.");
        }
        return (module, resolved);
    }

    public override nn.Module Create(HmtConfig config, IZooContext context)
    {
        config.Validate();
        var (backbone, _) = CreateBackbone(config, context);
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
