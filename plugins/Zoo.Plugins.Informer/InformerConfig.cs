using System.Text.Json.Serialization;

namespace Zoo.Plugins.Informer;

/// <summary>
/// Constructor arguments of the official <c>models.model.Informer</c> / <c>InformerStack</c> under their own names
/// (fixture sidecars are read as they are). Defaults are those of the official <c>main_informer.py</c> command line.
/// </summary>
public sealed class InformerConfig
{
    /// <summary>"informer" (one encoder) or "informerstack" (the encoder stack of §3.2 fed with L, L/2, L/4, ...).</summary>
    [JsonPropertyName("model")] public string Model { get; set; } = "informer";
    [JsonPropertyName("enc_in")] public int EncIn { get; set; } = 7;
    [JsonPropertyName("dec_in")] public int DecIn { get; set; } = 7;
    [JsonPropertyName("c_out")] public int COut { get; set; } = 7;
    [JsonPropertyName("seq_len")] public int SeqLen { get; set; } = 96;
    [JsonPropertyName("label_len")] public int LabelLen { get; set; } = 48;
    /// <summary>Prediction horizon (the official constructor's <c>out_len</c>, the script's <c>pred_len</c>).</summary>
    [JsonPropertyName("out_len")] public int OutLen { get; set; } = 24;
    /// <summary>ProbSparse sampling factor c (u = c ceil(ln L)).</summary>
    [JsonPropertyName("factor")] public int Factor { get; set; } = 5;
    [JsonPropertyName("d_model")] public int DModel { get; set; } = 512;
    [JsonPropertyName("n_heads")] public int NHeads { get; set; } = 8;
    [JsonPropertyName("e_layers")] public int ELayers { get; set; } = 2;
    [JsonPropertyName("d_layers")] public int DLayers { get; set; } = 1;
    /// <summary>Encoder depths of the InformerStack (model = "informerstack"), e.g. [3, 2, 1].</summary>
    [JsonPropertyName("s_layers")] public int[] SLayers { get; set; } = [3, 2, 1];
    [JsonPropertyName("d_ff")] public int DFf { get; set; } = 2048;
    [JsonPropertyName("dropout")] public double Dropout { get; set; } = 0.05;
    /// <summary>"prob" (ProbSparse, §3.1) or "full" (canonical self-attention, the paper's Informer†).</summary>
    [JsonPropertyName("attn")] public string Attn { get; set; } = "prob";
    /// <summary>"timeF" (linear over continuous time features), "fixed" (frozen sinusoidal tables) or "learned".</summary>
    [JsonPropertyName("embed")] public string Embed { get; set; } = "timeF";
    /// <summary>Time-feature frequency: s, t, h, d, b, w, m (the last character of strings such as "15min" or "3h").</summary>
    [JsonPropertyName("freq")] public string Freq { get; set; } = "h";
    [JsonPropertyName("activation")] public string Activation { get; set; } = "gelu";
    /// <summary>Accepted for compatibility; attention maps are not returned by this port.</summary>
    [JsonPropertyName("output_attention")] public bool OutputAttention { get; set; }
    /// <summary>Self-attention distilling (§3.2) between encoder layers.</summary>
    [JsonPropertyName("distil")] public bool Distil { get; set; } = true;
    /// <summary>The reference's "mix" of heads in the decoder self-attention (a view over [B, H, L, D] memory).</summary>
    [JsonPropertyName("mix")] public bool Mix { get; set; } = true;

    /// <summary>Frequency reduced to the one character the model and the time features use.</summary>
    [JsonIgnore] public char FreqChar => TimeFeatures.NormalizeFreq(Freq);

    /// <summary>Throws a clear error for values the model cannot be built from.</summary>
    public void Validate()
    {
        static void Need(bool ok, string message)
        {
            if (!ok) throw new ArgumentException("Invalid Informer config: " + message);
        }
        Need(Model is "informer" or "informerstack", $"model must be \"informer\" or \"informerstack\", got \"{Model}\".");
        Need(EncIn > 0 && DecIn > 0 && COut > 0, "enc_in, dec_in and c_out must be positive.");
        Need(SeqLen > 0 && LabelLen >= 0 && OutLen > 0, "seq_len and out_len must be positive and label_len not negative.");
        Need(DModel > 0 && NHeads > 0 && DModel % NHeads == 0, $"d_model ({DModel}) must be a positive multiple of n_heads ({NHeads}).");
        Need(ELayers > 0 && DLayers > 0, "e_layers and d_layers must be positive.");
        Need(Model != "informerstack" || (SLayers.Length > 0 && SLayers.All(l => l > 0)), "s_layers must list positive encoder depths.");
        Need(DFf > 0, "d_ff must be positive.");
        Need(Factor > 0, "factor must be positive.");
        Need(Dropout >= 0 && Dropout < 1, "dropout must be in [0, 1).");
        Need(Attn is "prob" or "full", $"attn must be \"prob\" or \"full\", got \"{Attn}\".");
        Need(Embed is "timeF" or "fixed" or "learned", $"embed must be \"timeF\", \"fixed\" or \"learned\", got \"{Embed}\".");
        Need(Activation is "gelu" or "relu", $"activation must be \"gelu\" or \"relu\", got \"{Activation}\".");
        _ = FreqChar;
        int maxLen = PositionalEmbedding.MaxLen;
        Need(SeqLen + LabelLen + OutLen <= maxLen * 2 && SeqLen <= maxLen && LabelLen + OutLen <= maxLen,
            $"sequence lengths must fit the positional table of {PositionalEmbedding.MaxLen} steps.");
    }

    public InformerConfig Clone() => (InformerConfig)MemberwiseClone();
}
