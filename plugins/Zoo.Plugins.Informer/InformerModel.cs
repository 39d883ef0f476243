using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>
/// Informer (Zhou et al., AAAI 2021, Fig. 2): embedding -> encoder (ProbSparse or full self-attention with distilling,
/// or the encoder stack) -> generative decoder fed with a start token of label_len known steps plus placeholders for the
/// horizon -> linear projection; the whole horizon comes out of one forward pass.
/// </summary>
public sealed class InformerModel : nn.Module, IForecaster
{
    private readonly DataEmbedding enc_embedding;
    private readonly DataEmbedding dec_embedding;
    private readonly nn.Module<Tensor, Tensor> encoder;
    private readonly Decoder decoder;
    private readonly Linear projection;

    public InformerModel(InformerConfig config) : base(nameof(InformerModel))
    {
        config.Validate();
        Config = config.Clone();
        var freq = config.FreqChar;
        int d = config.DModel;
        double p = config.Dropout;

        InnerAttention Attn(bool mask) => config.Attn == "prob" ? new ProbAttention(mask, config.Factor, p) : new FullAttention(mask, p);

        enc_embedding = new DataEmbedding(config.EncIn, d, config.Embed, freq, p);
        dec_embedding = new DataEmbedding(config.DecIn, d, config.Embed, freq, p);

        Encoder MakeEncoder(int layers) => new(
            Enumerable.Range(0, layers).Select(_ =>
                new EncoderLayer(new AttentionLayer(Attn(false), d, config.NHeads, mix: false), d, config.DFf, p, config.Activation)),
            config.Distil ? Enumerable.Range(0, layers - 1).Select(_ => new ConvLayer(d)) : null,
            d);

        encoder = config.Model == "informerstack"
            ? new EncoderStack(config.SLayers.Select(MakeEncoder))
            : MakeEncoder(config.ELayers);

        decoder = new Decoder(Enumerable.Range(0, config.DLayers).Select(_ => new DecoderLayer(
            new AttentionLayer(Attn(true), d, config.NHeads, config.Mix),
            new AttentionLayer(new FullAttention(false, p), d, config.NHeads, mix: false),
            d, config.DFf, p, config.Activation)), d);
        projection = nn.Linear(d, config.COut);
        RegisterComponents();
    }

    public InformerConfig Config { get; }

    public int InputLength => Config.SeqLen;

    public int Horizon => Config.OutLen;

    public int InputChannels => Config.EncIn;

    public int OutputChannels => Config.COut;

    public int TimeFeatureCount => TimeFeatures.Count(Config.Embed, Config.FreqChar);

    /// <summary>IForecaster: the time marks of the reference data loader (timeF or calendar fields, by <c>embed</c>).</summary>
    public float[] EncodeTime(IReadOnlyList<DateTime> stamps) => TimeFeatures.Encode(stamps, Config.Embed, Config.FreqChar);

    /// <summary>Every ProbSparse attention by its module path (e.g. "encoder.attn_layers.0.attention.inner_attention").</summary>
    public IEnumerable<(string Path, ProbAttention Attention)> ProbAttentions =>
        named_modules().Where(m => m.module is ProbAttention).Select(m => (m.name, (ProbAttention)m.module));

    /// <summary>Injects ProbSparse key samples by module path (null clears every injection, back to random draws).</summary>
    public void InjectKeySamples(IReadOnlyDictionary<string, Tensor>? samples)
    {
        foreach (var (path, attention) in ProbAttentions)
        {
            if (samples is null) { attention.Samples.Injected = null; continue; }
            attention.Samples.Injected = samples.TryGetValue(path, out var t) ? t
                : throw new ArgumentException($"No injected key samples for the ProbSparse attention '{path}'.");
        }
    }

    /// <summary>
    /// The reference forward: x_enc [B, seq_len, enc_in], x_mark_enc [B, seq_len, F], x_dec [B, label_len + out_len, dec_in],
    /// x_mark_dec [B, label_len + out_len, F] -> the last out_len steps [B, out_len, c_out].
    /// </summary>
    public Tensor forward(Tensor x_enc, Tensor x_mark_enc, Tensor x_dec, Tensor x_mark_dec)
    {
        CheckShape(x_enc, "x_enc", Config.EncIn);
        CheckShape(x_dec, "x_dec", Config.DecIn);
        int marks = TimeFeatures.Count(Config.Embed, Config.FreqChar);
        if (x_mark_enc.dim() != 3 || x_mark_dec.dim() != 3 || x_mark_enc.shape[2] != marks || x_mark_dec.shape[2] != marks)
            throw new ArgumentException($"Time marks must be [batch, steps, {marks}] for embed '{Config.Embed}' " +
                $"and freq '{Config.FreqChar}', got x_mark_enc [{string.Join(", ", x_mark_enc.shape)}] " +
                $"and x_mark_dec [{string.Join(", ", x_mark_dec.shape)}].");
        if (x_mark_enc.shape[1] != x_enc.shape[1] || x_mark_dec.shape[1] != x_dec.shape[1])
            throw new ArgumentException($"Time marks must have as many steps as their series: x_enc {x_enc.shape[1]} " +
                $"vs x_mark_enc {x_mark_enc.shape[1]}, x_dec {x_dec.shape[1]} vs x_mark_dec {x_mark_dec.shape[1]}.");
        using var scope = NewDisposeScope();
        var encOut = encoder.call(enc_embedding.call(x_enc, x_mark_enc));
        var decOut = decoder.call(dec_embedding.call(x_dec, x_mark_dec), encOut);
        var y = projection.call(decOut);
        return y[TensorIndex.Colon, TensorIndex.Slice(-Config.OutLen, null)].MoveToOuterDisposeScope();
    }

    /// <summary>IForecaster: builds the decoder input as cat(last label_len steps, zeros) when none is given (§3.3).</summary>
    public Tensor Forecast(Tensor history, Tensor historyTime, Tensor? decoderInput, Tensor futureTime)
    {
        using var scope = NewDisposeScope();
        int label = Config.LabelLen;
        var markDec = cat([historyTime[TensorIndex.Colon, TensorIndex.Slice(-label, null)], futureTime], 1);
        var xDec = decoderInput ?? DecoderInput(history, label, Config.OutLen);
        return forward(history, historyTime, xDec, markDec).MoveToOuterDisposeScope();
    }

    /// <summary>The generative decoder's input: the start token (last label_len known steps) followed by zeros for the horizon.</summary>
    public static Tensor DecoderInput(Tensor knownSteps, int labelLen, int predLen)
    {
        var start = knownSteps[TensorIndex.Colon, TensorIndex.Slice(knownSteps.shape[1] - labelLen, null)];
        return cat([start, zeros(knownSteps.shape[0], predLen, knownSteps.shape[2], dtype: knownSteps.dtype, device: knownSteps.device)], 1);
    }

    private static void CheckShape(Tensor t, string name, int channels)
    {
        if (t.dim() != 3 || t.shape[2] != channels)
            throw new ArgumentException($"{name} must be [batch, steps, {channels}], got [{string.Join(", ", t.shape)}].");
    }
}
