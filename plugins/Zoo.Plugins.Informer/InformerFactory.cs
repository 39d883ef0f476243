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
    /// Feeds the fixture inputs through the model. ProbSparse fixtures carry the key indices the reference drew
    /// (<c>prob.&lt;module path&gt;.index_sample</c>); they replace the random draw, otherwise parity is impossible.
    /// </summary>
    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, InformerConfig config, ParityFixture fixture)
    {
        var informer = model as InformerModel ?? throw new ArgumentException($"{fixture.Path}: expected an {nameof(InformerModel)}, got {model.GetType().Name}.");
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
