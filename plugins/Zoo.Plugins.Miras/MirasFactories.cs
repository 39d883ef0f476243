using Zoo.Core;
using Zoo.Core.Fixtures;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.Miras;

internal static class MirasPaper
{
    public const string Title =
        "It's All Connected: A Journey Through Test-Time Memorization, Attentional Bias, Retention, and Online Optimization";
    public const string Arxiv = "2504.13173";
}

/// <summary>Shared factory logic: a <see cref="MirasLayer"/> (an <see cref="IMemoryModule"/>) or, for fixtures, the bare recurrence.</summary>
public abstract class MirasFactoryBase<TConfig> : MemoryLayerFactory<TConfig> where TConfig : MirasConfig, new()
{
    public override nn.Module Create(TConfig config)
    {
        if (config.DModel <= 0 || config.NumHeads <= 0 || config.HeadDim <= 0 || config.ChunkSize <= 0)
            throw new ArgumentException($"{typeof(TConfig).Name}: d_model, num_heads, head_dim and chunk_size must be positive.");
        return config.RecurrenceOnly ? new MirasRecurrence(config) : new MirasLayer(config);
    }

    protected override string DefaultsDescription => "d_model 64, 4 heads of 16, MLP memory, chunk 16 (the defaults)";
}

[ZooExport(typeof(IModelFactory), "titans", Task = ZooTasks.Memory, Paper = "Titans: Learning to Memorize at Test Time", ArxivId = "2501.00663",
    Summary = "Titans neural long-term memory: L2 attentional bias, momentum (surprise) and weight-decay forgetting; linear or MLP memory.")]
public sealed class TitansFactory : MirasFactoryBase<TitansConfig>
{
    /// <summary>The titans_l2 sidecar config is descriptive (B, H, T, ...): verify runs the parameter-free recurrence.</summary>
    public override object FixtureConfig(ParityFixture fixture) => new TitansConfig { RecurrenceOnly = true, Memory = MemoryArchitecture.Linear };

    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, TitansConfig config, ParityFixture fixture) =>
        TitansFixture.Run(fixture);
}

[ZooExport(typeof(IModelFactory), "moneta", Task = ZooTasks.Memory, Paper = MirasPaper.Title, ArxivId = MirasPaper.Arxiv,
    Summary = "Moneta: l_p attentional bias (p=3) with l_q retention (q=4) on a deep MLP memory.")]
public sealed class MonetaFactory : MirasFactoryBase<MonetaConfig>;

[ZooExport(typeof(IModelFactory), "yaad", Task = ZooTasks.Memory, Paper = MirasPaper.Title, ArxivId = MirasPaper.Arxiv,
    Summary = "Yaad: Huber attentional bias with a data-dependent delta and Titans-style retention on a deep MLP memory.")]
public sealed class YaadFactory : MirasFactoryBase<YaadConfig>;

[ZooExport(typeof(IModelFactory), "memora", Task = ZooTasks.Memory, Paper = MirasPaper.Title, ArxivId = MirasPaper.Arxiv,
    Summary = "Memora: L2 attentional bias with KL (softmax) retention keeping the memory on a scaled simplex.")]
public sealed class MemoraFactory : MirasFactoryBase<MemoraConfig>;
