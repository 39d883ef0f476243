using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Fixtures;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

[ZooExport(typeof(IModelFactory), "hybrid-lm", Task = ZooTasks.SequenceModeling,
    Paper = "A Systematic Analysis of Hybrid Linear Attention", ArxivId = "2507.06457",
    Summary = "Byte-level decoder LM mixing memory layers (Gated DeltaNet, HGRN-2, Titans/Miras/ATLAS...) with causal softmax attention at a hybrid ratio.")]
public sealed class HybridLmFactory : ModelFactory<HybridLmConfig>
{
    public override nn.Module Create(HybridLmConfig config, IZooContext context) => new HybridLM(config, context);

    protected override IEnumerable<Preset<HybridLmConfig>> DefinePresets()
    {
        yield return new("tiny", "d_model 16, 2 heads, 2 Gated DeltaNet layers, chunk 8 (tests)",
            new() { DModel = 16, NumHeads = 2, NLayers = 2, ChunkSize = 8 });
        yield return new("attention-2l", "d_model 64, 4 heads, 2 attention layers (MQAR induction circuit; HMT's default backbone)",
            new() { Mixer = "attention", NLayers = 2 });
        yield return new("small", "d_model 64, 4 heads, 4 Gated DeltaNet layers (the defaults)", new());
        yield return new("hybrid-3to1", "d_model 64, 4 heads, 3 Gated DeltaNet layers then 1 attention layer", new() { Hybrid = 3 });
    }
}

[ZooExport(typeof(IModelFactory), "gated-deltanet", Task = ZooTasks.Memory,
    Paper = "Gated Delta Networks: Improving Mamba2 with Delta Rule", ArxivId = "2412.06464",
    Summary = "Gated DeltaNet token mixer: gated delta rule in step and chunkwise-parallel form (fla conventions).")]
public sealed class GatedDeltaNetFactory : ModelFactory<GatedDeltaNetConfig>, ITokenMixerFactory
{
    public override nn.Module Create(GatedDeltaNetConfig config)
    {
        if (config.Mode is not ("chunk" or "recurrent"))
            throw new ArgumentException($"gated-deltanet: mode must be 'chunk' or 'recurrent', not '{config.Mode}'.");
        if (config.DModel <= 0 || config.NumHeads <= 0 || config.HeadDim <= 0 || config.ChunkSize <= 0)
            throw new ArgumentException("gated-deltanet: d_model, num_heads, head_dim and chunk_size must be positive.");
        return config.RecurrenceOnly ? new GatedDeltaRuleModule(config) : new GatedDeltaNet(config);
    }

    protected override IEnumerable<Preset<GatedDeltaNetConfig>> DefinePresets()
    {
        yield return new("tiny", "d_model 16, 2 heads of 8, chunk 8 (tests)", new() { DModel = 16, NumHeads = 2, HeadDim = 8, ChunkSize = 8 });
        yield return new("small", "d_model 64, 4 heads of 16, chunk 32, short convolutions (the defaults)", new());
    }

    /// <summary>The LM's width, head_dim = d_model / num_heads, the LM's chunk size.</summary>
    public nn.Module<Tensor, Tensor> CreateMixer(MixerShape shape, string? preset, JsonObject? overrides, IZooContext context)
    {
        var cfg = (GatedDeltaNetConfig)this.Preset(preset) with
        {
            DModel = shape.DModel, NumHeads = shape.NumHeads, HeadDim = shape.HeadDim, ChunkSize = shape.ChunkSize,
        };
        return TokenMixers.RequireMixer(Create(TokenMixers.Override(this, cfg, overrides)), "gated-deltanet");
    }

    /// <summary>The gated_deltanet sidecar config is descriptive (B, H, T, K, V): verify runs the bare recurrence in chunk form (chunk 4).</summary>
    public override object FixtureConfig(ParityFixture fixture) => new GatedDeltaNetConfig { RecurrenceOnly = true, Mode = "chunk", ChunkSize = 4 };

    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, GatedDeltaNetConfig config, ParityFixture fixture) =>
        model is GatedDeltaRuleModule m ? m.Run(fixture)
            : throw new InvalidOperationException("gated-deltanet fixtures run on the bare recurrence (recurrence_only = true).");
}

[ZooExport(typeof(IModelFactory), "hgrn2", Task = ZooTasks.Memory,
    Paper = "HGRN2: Gated Linear RNNs with State Expansion", ArxivId = "2404.07904",
    Summary = "HGRN-2 token mixer: gated linear recurrence with state expansion, step and chunkwise-parallel form.")]
public sealed class Hgrn2Factory : ModelFactory<Hgrn2Config>, ITokenMixerFactory
{
    public override nn.Module Create(Hgrn2Config config)
    {
        if (config.Mode is not ("chunk" or "recurrent")) throw new ArgumentException($"hgrn2: mode must be 'chunk' or 'recurrent', not '{config.Mode}'.");
        return new Hgrn2(config);
    }

    protected override IEnumerable<Preset<Hgrn2Config>> DefinePresets()
    {
        yield return new("tiny", "d_model 16, 2 heads of 8, chunk 8 (tests)", new() { DModel = 16, ExpandRatio = 8, ChunkSize = 8 });
        yield return new("small", "d_model 64, 4 heads of 16, chunk 16 (the defaults)", new());
    }

    /// <summary>The LM's width; expand_ratio = d_model / num_heads (one head per LM head); chunk at most 16.</summary>
    public nn.Module<Tensor, Tensor> CreateMixer(MixerShape shape, string? preset, JsonObject? overrides, IZooContext context)
    {
        var cfg = (Hgrn2Config)this.Preset(preset) with { DModel = shape.DModel, ExpandRatio = shape.HeadDim, ChunkSize = Math.Min(shape.ChunkSize, 16) };
        return TokenMixers.RequireMixer(Create(TokenMixers.Override(this, cfg, overrides)), "hgrn2");
    }
}
