using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Atlas;

/// <summary>Shared factory logic of the ATLAS family: an <see cref="AtlasLayer"/> (an <see cref="IMemoryModule"/>).</summary>
public abstract class AtlasFactoryBase<TConfig> : ModelFactory<TConfig>, ITokenMixerFactory where TConfig : AtlasConfig, new()
{
    public override nn.Module Create(TConfig config) => new AtlasLayer(config);

    /// <summary>tiny (d 16, 2 heads of 8, chunk 4: tests) and small (d 64, 4 heads of 16: the defaults).</summary>
    protected override IEnumerable<Preset<TConfig>> DefinePresets()
    {
        // `with` on the base record clones the run-time type, so the variant's own defaults (optimizer, window) stay.
        yield return new("tiny", "d_model 16, 2 heads of 8, chunk 4 (tests)",
            (TConfig)((AtlasConfig)new TConfig() with { DModel = 16, NumHeads = 2, HeadDim = 8, ChunkSize = 4 }));
        yield return new("small", "d_model 64, 4 heads of 16, chunk 16 (the defaults)", new TConfig());
    }

    /// <summary>The preset at the LM's width (head_dim = d_model / num_heads; the chunk size stays the memory's own).</summary>
    public nn.Module<Tensor, Tensor> CreateMixer(MixerShape shape, string? preset, JsonObject? overrides, IZooContext context)
    {
        var cfg = (TConfig)((AtlasConfig)this.Preset(preset) with { DModel = shape.DModel, NumHeads = shape.NumHeads, HeadDim = shape.HeadDim });
        return TokenMixers.RequireMixer(Create(TokenMixers.Override(this, cfg, overrides), context), typeof(TConfig).Name);
    }
}

[ZooExport(typeof(IModelFactory), "atlas", Task = ZooTasks.Memory, Paper = "ATLAS: Learning to Optimally Memorize the Context at Test Time", ArxivId = "2505.23735",
    Summary = "ATLAS memory: Omega rule over a sliding window, polynomial features, Muon (Newton-Schulz) update, deep MLP memory.")]
public sealed class AtlasFactory : AtlasFactoryBase<AtlasConfig>;

[ZooExport(typeof(IModelFactory), "omeganet", Task = ZooTasks.Memory, Paper = "ATLAS: Learning to Optimally Memorize the Context at Test Time", ArxivId = "2505.23735",
    Summary = "OmegaNet: Omega rule over a sliding window with gradient descent and momentum.")]
public sealed class OmegaNetFactory : AtlasFactoryBase<OmegaNetConfig>;

[ZooExport(typeof(IModelFactory), "deep-transformer", Task = ZooTasks.Memory, Paper = "ATLAS: Learning to Optimally Memorize the Context at Test Time", ArxivId = "2505.23735",
    Summary = "DeepTransformer: deep MLP memory over polynomial (exp-kernel) features with the Hebbian dot-product bias.")]
public sealed class DeepTransformerFactory : AtlasFactoryBase<DeepTransformerConfig>;
