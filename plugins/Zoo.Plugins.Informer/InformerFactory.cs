using Zoo.Core;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>Builds Informer models; runs the official-code parity fixtures for <c>zoo verify</c>.</summary>
[ZooExport(typeof(IModelFactory), "informer", Task = ZooTasks.Forecasting,
    Paper = "Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting (Zhou et al., AAAI 2021)",
    ArxivId = "2012.07436",
    Summary = "Long-sequence forecaster: ProbSparse self-attention, self-attention distilling, generative decoder.")]
public sealed class InformerFactory : ModelFactory<InformerConfig>
{
    public const string Name = "informer";
    public static string Version => typeof(InformerFactory).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    public override nn.Module Create(InformerConfig config) => new InformerModel(config);

    /// <summary>
    /// Named variants, smallest first. Recipes and the ML.NET estimator ask for these (<c>informer:demo</c>) and lay
    /// the data's widths and window lengths over them; nothing outside the plugin writes the config's field names.
    /// </summary>
    protected override IEnumerable<Preset<InformerConfig>> DefinePresets()
    {
        yield return new("tiny", "1 channel, seq 24 -> 6 steps, d_model 16, 2 heads, full attention (deterministic): tests",
            new() { EncIn = 1, DecIn = 1, COut = 1, SeqLen = 24, LabelLen = 12, OutLen = 6, DModel = 16, NHeads = 2, DFf = 32, Dropout = 0, Attn = "full" });
        yield return new("demo", "what zoo demo informer trains: univariate, 96 h -> 24 h, d_model 64, 4 heads, d_ff 128, ProbSparse",
            new() { EncIn = 1, DecIn = 1, COut = 1, DModel = 64, NHeads = 4, DFf = 128 });
        yield return new("bench", "the README benchmark's model: 7 channels, d_model 128, 8 heads, d_ff 256 (seq_len set per run)",
            new() { DModel = 128, DFf = 256 });
        yield return new("paper", "the paper's (and main_informer.py's) defaults: 7 channels, 96 -> 24, d_model 512, 8 heads, d_ff 2048",
            new());
    }

    /// <summary>
    /// Feeds the fixture inputs through the model. ProbSparse fixtures carry the key indices the reference drew
    /// (<c>prob.&lt;module path&gt;.index_sample</c>); they replace the random draw, otherwise parity is impossible.
    /// </summary>
    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, InformerConfig config, ParityFixture fixture)
    {
        var informer = model as InformerModel ?? throw new ArgumentException($"{fixture.Path}: expected an " +
            $"{nameof(InformerModel)}, got {model.GetType().Name}.");
        var samples = new Dictionary<string, Tensor>();
        foreach (var (path, _) in informer.ProbAttentions)
            samples[path] = fixture.Tensor($"prob.{path}.index_sample");
        informer.InjectKeySamples(samples);
        try
        {
            informer.eval();
            using var _ = no_grad();
            var y = informer.forward(fixture.Input("x_enc"), fixture.Input("x_mark_enc"), fixture.Input("x_dec"), fixture.Input("x_mark_dec"));
            return new Dictionary<string, Tensor> { ["y"] = y };
        }
        finally
        {
            informer.InjectKeySamples(null);
        }
    }
}
