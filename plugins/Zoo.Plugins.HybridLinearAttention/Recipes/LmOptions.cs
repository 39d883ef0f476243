using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// Options of <c>zoo train|eval hybrid-lm</c> (alias <c>lm</c>). The model options left unset keep the preset's value
/// (no preset: d_model 64, 4 heads, 4 layers, gated-deltanet, hybrid 0). Common options: --steps (default 400),
/// --batch-size (alias --batch, 32), --lr (3e-3), --seed (0), --data, --out, --checkpoint, --threads.
/// </summary>
public sealed class LmOptions
{
    [Description("mqar (synthetic recall) or text (byte-level LM on --data, default data/tinyshakespeare/input.txt)")]
    [AllowedValues("mqar", "text")]
    public string Task { get; set; } = "mqar";

    [Description("memory mixer: gated-deltanet, hgrn2, attention, or a catalog memory model name[:preset] (titans, moneta, yaad, memora, atlas)")]
    public string? Mixer { get; set; }

    [Description("memory layers per attention layer (3 = 3:1); 0 = none")] public int? Hybrid { get; set; }

    [Description("number of layers (default 4)")] public int? Layers { get; set; }

    [Description("model width (default 64)")] public int? DModel { get; set; }

    [Description("attention / memory heads (default 4)")] public int? Heads { get; set; }

    [Description("text window length")] public int SeqLen { get; set; } = 128;

    [Description("MQAR key-value pairs (queries = pairs)")] public int Pairs { get; set; } = 8;

    [OptionName("--vocab")]
    [Description("MQAR key vocabulary = value vocabulary")] public int MqarVocab { get; set; } = 32;

    [Description("text: validation windows for perplexity")] public int EvalWindows { get; set; } = 256;

    [Description("std of the token-embedding init (1 = PyTorch default; 0.02 reproduces the old MQAR plateau)")]
    public double? EmbeddingInitStd { get; set; }

    [Description("loss-curve PNG to write (train: default <out>/loss.png; eval --suite: every run on one plot)")] public string? Plot { get; set; }

    [Description("eval: 'mqar' trains and scores pure attention, pure memory mixers and hybrids (--out: markdown table)")]
    public string? Suite { get; set; }

    [Description("suite: pure mixers, comma separated")] public string Mixers { get; set; } = "attention,gated-deltanet,hgrn2";

    [Description("suite: hybrid ratios of --mixer with attention")] public string Ratios { get; set; } = "1,3,6";

    /// <summary>Old spellings of the common options.</summary>
    public static readonly IReadOnlyDictionary<string, string> CommonAliases = new Dictionary<string, string> { ["--batch"] = "--batch-size" };

    public void Validate()
    {
        if (Task is not ("mqar" or "text")) throw new ArgumentException($"--task must be mqar or text, not '{Task}'.");
        if (SeqLen < 2 || Pairs < 1 || MqarVocab < 1 || EvalWindows < 1)
            throw new ArgumentException("--seq-len must be at least 2; --pairs, --vocab and --eval-windows positive.");
        if (Layers <= 0 || DModel <= 0 || Heads <= 0) throw new ArgumentException("--layers, --d-model and --heads must be positive.");
        if (Hybrid < 0) throw new ArgumentException("--hybrid must be >= 0.");
        if (EmbeddingInitStd is double e && (!(e > 0) || double.IsInfinity(e))) throw new ArgumentException("--embedding-init-std must be a positive number.");
        if (Plot is not null && !Plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--plot must name a .png file, not '{Plot}'.");
    }

    /// <summary>The model configuration: the preset (with --set overrides), then the options given here.</summary>
    public HybridLmConfig ModelConfig(CommonOptions common, string? mixer = null, int? hybrid = null, int? layers = null)
    {
        var factory = new HybridLmFactory();
        var cfg = (HybridLmConfig)factory.Configure(common.Preset, common.Overrides);
        return cfg with
        {
            DModel = DModel ?? cfg.DModel, NumHeads = Heads ?? cfg.NumHeads, NLayers = layers ?? Layers ?? cfg.NLayers,
            Mixer = mixer ?? Mixer ?? cfg.Mixer, Hybrid = hybrid ?? Hybrid ?? cfg.Hybrid, EmbeddingInitStd = EmbeddingInitStd ?? cfg.EmbeddingInitStd,
        };
    }
}
