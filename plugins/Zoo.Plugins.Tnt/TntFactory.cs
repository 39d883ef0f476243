using TorchSharp;
using Zoo.Core;
using Zoo.Core.Fixtures;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Builds TNT from its timm-named config; named presets smallest first (tiny, then the paper's TNT-S and TNT-B, each also
/// in the paper's legacy layout); runs the timm parity fixtures (outputs y, features, pixel_embed).
/// </summary>
[ZooExport(typeof(IModelFactory), "tnt", Task = ZooTasks.ImageClassification, Paper = "Transformer in Transformer (Han et al., NeurIPS 2021)",
    ArxivId = "2103.00112", Summary = "TNT: an inner transformer over visual words inside each patch, an outer one over patches (TNT-S/B/tiny, timm keys).")]
public sealed class TntFactory : ImageTransformerFactory<TntConfig>
{
    public override nn.Module Create(TntConfig config) => new TransformerInTransformer(config);

    protected override IEnumerable<Preset<TntConfig>> DefinePresets() =>
    [
        new("micro", "16x16 grey input, 4x4 patches of 4x4 words, d 32, c 8, depth 2: the continual runs and CI", TntConfig.Tiny(inChans: 1) with
        {
            ImgSize = 16, PatchSize = 4, EmbedDim = 32, InnerDim = 8, NumHeadsOuter = 2, NumHeadsInner = 2, FirstStride = 1,
        }),
        new("tiny", "32x32 input, 8x8 patches of 4x4 words, d 64, c 16, depth 2, 10 classes (the fixtures' shape; tests, demos)", TntConfig.Tiny()),
        new("tiny_legacy", "tiny in the paper's layout (conv over the whole image, then unfold)", TntConfig.Tiny(legacy: true), ["tiny-legacy"]),
        new("s", "TNT-S (paper Table 1; timm tnt_s_patch16_224): d 384, c 24, depth 12, 23.8M parameters", TntConfig.TntS(), ["tnt_s", "tnt-s", "small"]),
        new("s_legacy", "TNT-S in the paper's layout (timm tnt_s_legacy_patch16_224)", TntConfig.TntS(legacy: true), ["tnt_s_legacy", "tnt-s-legacy", "small_legacy", "s-legacy"]),
        new("b", "TNT-B (paper Table 1; timm tnt_b_patch16_224): d 640, c 40, depth 12, 65.4M parameters", TntConfig.TntB(), ["tnt_b", "tnt-b", "base"]),
        new("b_legacy", "TNT-B in the paper's layout", TntConfig.TntB(legacy: true), ["tnt_b_legacy", "tnt-b-legacy", "base_legacy", "b-legacy"]),
    ];

    protected override double ForwardFlops(TntConfig config) => TntFlops.Forward(config);

    protected override IReadOnlyDictionary<string, Tensor> RunFixture(nn.Module model, TntConfig config, ParityFixture fixture)
    {
        var tnt = (TransformerInTransformer)model;
        tnt.eval();
        using var _ = torch.no_grad();
        var x = fixture.Input("x");
        return new Dictionary<string, Tensor>
        {
            ["y"] = tnt.forward(x),
            ["features"] = tnt.ForwardFeatures(x),
            ["pixel_embed"] = tnt.PixelEmbedding(x),
        };
    }
}
