using System.Text.Json.Nodes;
using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Configuration of the hybrid decoder LM (Wang et al., arXiv:2507.06457 Sec. 3: Llama-style blocks, linear:full ratio).</summary>
public sealed record HybridLmConfig
{
    /// <summary>Byte-level tokens: 256.</summary>
    public int VocabSize { get; init; } = 256;
    public int DModel { get; init; } = 64;
    public int NLayers { get; init; } = 4;
    public int NumHeads { get; init; } = 4;
    /// <summary>
    /// Token mixer of the memory layers: gated-deltanet, hgrn2, attention, or any memory model in the catalog as name[:preset]
    /// (titans, moneta, yaad, memora, atlas, omeganet, ...).
    /// </summary>
    public string Mixer { get; init; } = "gated-deltanet";
    /// <summary>Memory layers per attention layer (3 = 3:1); 0 = no attention layer. Layer i is attention when (i+1) % (hybrid+1) == 0.</summary>
    public int Hybrid { get; init; }
    /// <summary>SwiGLU hidden width = mlp_ratio * d_model.</summary>
    public int MlpRatio { get; init; } = 2;
    public int ChunkSize { get; init; } = 32;
    public double NormEps { get; init; } = 1e-6;
    /// <summary>Overrides laid over the mixer's configuration after it is fitted to d_model and num_heads (the mixer's own field names).</summary>
    public JsonObject? MixerConfig { get; init; }
    /// <summary>
    /// Standard deviation of the token-embedding initialisation (default 1, PyTorch's nn.Embedding init). The projections
    /// keep PyTorch's default init, so every block adds an update of RMS ≈ 0.2 to the residual stream at d_model 64; the
    /// Llama/fla value 0.02 (meant for 0.02-initialised projections) leaves the token identity at ~10 % of the residual
    /// after the first block, and 2-layer attention then stays on the MQAR plateau (see README, "MQAR plateau").
    /// </summary>
    public double EmbeddingInitStd { get; init; } = 1.0;
}

/// <summary>SwiGLU feed-forward: down(SiLU(gate(x)) * up(x)).</summary>
public sealed class SwiGlu : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj, up_proj, down_proj;

    public SwiGlu(int d, int hidden) : base("SwiGlu")
    {
        gate_proj = nn.Linear(d, hidden, hasBias: false);
        up_proj = nn.Linear(d, hidden, hasBias: false);
        down_proj = nn.Linear(hidden, d, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x));
}

/// <summary>Pre-norm block: x + mixer(norm(x)); x + mlp(norm(x)).</summary>
public sealed class HybridBlock : nn.Module<Tensor, Tensor>
{
    private readonly RmsNorm attn_norm, mlp_norm;
    private readonly nn.Module<Tensor, Tensor> attn;
    private readonly SwiGlu mlp;

    public HybridBlock(nn.Module<Tensor, Tensor> mixer, HybridLmConfig cfg) : base("HybridBlock")
    {
        attn_norm = new RmsNorm(cfg.DModel, cfg.NormEps);
        attn = mixer;
        mlp_norm = new RmsNorm(cfg.DModel, cfg.NormEps);
        mlp = new SwiGlu(cfg.DModel, cfg.MlpRatio * cfg.DModel);
        RegisterComponents();
    }

    public nn.Module<Tensor, Tensor> Mixer => attn;

    public override Tensor forward(Tensor x)
    {
        x = x + attn.forward(attn_norm.forward(x));
        return x + mlp.forward(mlp_norm.forward(x));
    }
}

/// <summary>
/// A small byte-level decoder LM whose per-layer token mixer is a memory module or causal softmax attention, mixed at a
/// hybrid ratio (Wang et al., arXiv:2507.06457). Implements <see cref="ISequenceModel"/> so wrappers (e.g. HMT) can reuse it.
/// </summary>
public sealed class HybridLM : nn.Module<Tensor, Tensor>, ISequenceModel
{
    private readonly Embedding embeddings;
    private readonly ModuleList<HybridBlock> layers;
    private readonly RmsNorm norm;
    private readonly Linear lm_head;

    /// <summary>Builds the LM; mixers other than attention, gated-deltanet and hgrn2 come from <paramref name="context"/>'s catalog.</summary>
    public HybridLM(HybridLmConfig cfg, IZooContext? context = null) : base("HybridLM")
    {
        if (cfg.DModel % cfg.NumHeads != 0) throw new ArgumentException($"hybrid-lm: d_model {cfg.DModel} is not a multiple of num_heads {cfg.NumHeads}.");
        if (cfg.NLayers <= 0 || cfg.VocabSize <= 0 || cfg.Hybrid < 0)
            throw new ArgumentException("hybrid-lm: n_layers and vocab_size must be positive and hybrid >= 0.");
        if (!(cfg.EmbeddingInitStd > 0) || double.IsInfinity(cfg.EmbeddingInitStd))
            throw new ArgumentException($"hybrid-lm: embedding_init_std must be a positive number, not {cfg.EmbeddingInitStd}.");
        Config = cfg;
        embeddings = nn.Embedding(cfg.VocabSize, cfg.DModel);
        LayerKinds = Enumerable.Range(0, cfg.NLayers)
            .Select(i => cfg.Hybrid > 0 && (i + 1) % (cfg.Hybrid + 1) == 0 ? "attention" : cfg.Mixer).ToArray();
        layers = new ModuleList<HybridBlock>(LayerKinds.Select(k => new HybridBlock(Mixers.Create(k, cfg, context ?? ZooContext.Default), cfg)).ToArray());
        norm = new RmsNorm(cfg.DModel, cfg.NormEps);
        lm_head = nn.Linear(cfg.DModel, cfg.VocabSize, hasBias: false);
        using (no_grad()) embeddings.weight!.normal_(0, cfg.EmbeddingInitStd);
        RegisterComponents();
    }

    public HybridLmConfig Config { get; }

    /// <summary>The mixer of every layer, e.g. [gated-deltanet, gated-deltanet, gated-deltanet, attention].</summary>
    public IReadOnlyList<string> LayerKinds { get; }

    public int VocabSize => Config.VocabSize;

    public int ModelDim => Config.DModel;

    public int MaxContext => int.MaxValue;

    public Tensor Embed(Tensor tokens) => embeddings.forward(tokens);

    public Tensor ForwardEmbeddings(Tensor embeddings)
    {
        var x = embeddings;
        foreach (var layer in layers) x = layer.forward(x);
        return norm.forward(x);
    }

    public Tensor Head(Tensor hidden) => lm_head.forward(hidden);

    /// <summary>Token ids [B, L] -> logits [B, L, V].</summary>
    public override Tensor forward(Tensor tokens) => Head(ForwardEmbeddings(Embed(tokens)));
}
