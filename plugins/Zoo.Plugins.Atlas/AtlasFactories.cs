using Zoo.Core;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Atlas;

internal static class AtlasPaper
{
    public const string Title = "ATLAS: Learning to Optimally Memorize the Context at Test Time", Arxiv = "2505.23735";
}

/// <summary>Shared factory logic of the ATLAS family: an <see cref="AtlasLayer"/> (an <see cref="IMemoryModule"/>).</summary>
public abstract class AtlasFactoryBase<TConfig> : MemoryLayerFactory<TConfig> where TConfig : AtlasConfig, new()
{
    public override nn.Module Create(TConfig config) => new AtlasLayer(config);

    protected override string DefaultsDescription => "d_model 64, 4 heads of 16, chunk 16 (the defaults)";
}

[ZooExport(typeof(IModelFactory), "atlas", Task = ZooTasks.Memory, Paper = AtlasPaper.Title, ArxivId = AtlasPaper.Arxiv,
    Summary = "ATLAS memory: Omega rule over a sliding window, polynomial features, Muon (Newton-Schulz) update, deep MLP memory.")]
public sealed class AtlasFactory : AtlasFactoryBase<AtlasConfig>;

[ZooExport(typeof(IModelFactory), "omeganet", Task = ZooTasks.Memory, Paper = AtlasPaper.Title, ArxivId = AtlasPaper.Arxiv,
    Summary = "OmegaNet: Omega rule over a sliding window with gradient descent and momentum.")]
public sealed class OmegaNetFactory : AtlasFactoryBase<OmegaNetConfig>;

[ZooExport(typeof(IModelFactory), "deep-transformer", Task = ZooTasks.Memory, Paper = AtlasPaper.Title, ArxivId = AtlasPaper.Arxiv,
    Summary = "DeepTransformer: deep MLP memory over polynomial (exp-kernel) features with the Hebbian dot-product bias.")]
public sealed class DeepTransformerFactory : AtlasFactoryBase<DeepTransformerConfig>;
