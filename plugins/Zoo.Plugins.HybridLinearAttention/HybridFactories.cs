using Zoo.Core;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

[ZooExport(typeof(IModelFactory), "hybrid-lm", Task = ZooTasks.SequenceModeling, Paper = "A Systematic Analysis of Hybrid Linear Attention", ArxivId = "2507.06457",
    Summary = "Byte-level decoder LM mixing memory layers (Gated DeltaNet, HGRN-2, Titans/Miras/ATLAS...) with causal softmax attention at a hybrid ratio.")]
public sealed class HybridLmFactory : ModelFactory<HybridLmConfig>
{
    public override nn.Module Create(HybridLmConfig config) => new HybridLM(config);
}

[ZooExport(typeof(IModelFactory), "gated-deltanet", Task = ZooTasks.Memory, Paper = "Gated Delta Networks: Improving Mamba2 with Delta Rule", ArxivId = "2412.06464",
    Summary = "Gated DeltaNet token mixer: gated delta rule in step and chunkwise-parallel form (fla conventions).")]
public sealed class GatedDeltaNetFactory : ModelFactory<GatedDeltaNetConfig>
{
    public override nn.Module Create(GatedDeltaNetConfig config)
    {
        if (config.Mode is not ("chunk" or "recurrent")) throw new ArgumentException($"gated-deltanet: mode must be 'chunk' or 'recurrent', not '{config.Mode}'.");
        if (config.DModel <= 0 || config.NumHeads <= 0 || config.HeadDim <= 0 || config.ChunkSize <= 0)
            throw new ArgumentException("gated-deltanet: d_model, num_heads, head_dim and chunk_size must be positive.");
        return config.RecurrenceOnly ? new GatedDeltaRuleModule(config) : new GatedDeltaNet(config);
    }

    /// <summary>The gated_deltanet sidecar config is descriptive (B, H, T, K, V): verify runs the bare recurrence in chunk form (chunk 4).</summary>
    public override object FixtureConfig(ParityFixture fixture) => new GatedDeltaNetConfig { RecurrenceOnly = true, Mode = "chunk", ChunkSize = 4 };

    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, GatedDeltaNetConfig config, ParityFixture fixture) =>
        model is GatedDeltaRuleModule m ? m.Run(fixture)
            : throw new InvalidOperationException("gated-deltanet fixtures run on the bare recurrence (recurrence_only = true).");
}

[ZooExport(typeof(IModelFactory), "hgrn2", Task = ZooTasks.Memory, Paper = "HGRN2: Gated Linear RNNs with State Expansion", ArxivId = "2404.07904",
    Summary = "HGRN-2 token mixer: gated linear recurrence with state expansion, step and chunkwise-parallel form.")]
public sealed class Hgrn2Factory : ModelFactory<Hgrn2Config>
{
    public override nn.Module Create(Hgrn2Config config)
    {
        if (config.Mode is not ("chunk" or "recurrent")) throw new ArgumentException($"hgrn2: mode must be 'chunk' or 'recurrent', not '{config.Mode}'.");
        return new Hgrn2(config);
    }
}
