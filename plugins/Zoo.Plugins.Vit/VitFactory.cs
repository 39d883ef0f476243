using Zoo.Core;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.Plugins.Vit;

/// <summary>Builds ViT from its timm-named config; presets smallest first (tiny is the 32-pixel model tests and demos use).</summary>
[ZooExport(typeof(IModelFactory), "vit", Task = ZooTasks.ImageClassification, Paper = "An Image is Worth 16x16 Words (Dosovitskiy et al., ICLR 2021)",
    ArxivId = "2010.11929", Summary = "Plain ViT with class token (timm keys): image classifier, image encoder, extensible encoder for prompts/adapters.")]
public sealed class VitFactory : ImageTransformerFactory<VitConfig>
{
    public override nn.Module Create(VitConfig config) => new VisionTransformer(config);

    protected override IEnumerable<Preset<VitConfig>> DefinePresets() =>
    [
        new("micro", "16x16 grey input, 4x4 patches, d 32, depth 2, 2 heads, 10 classes: the continual runs and CI", new()
        {
            ImgSize = 16, PatchSize = 4, InChans = 1, NumClasses = 10, EmbedDim = 32, Depth = 2, NumHeads = 2,
        }),
        new("tiny", "32x32 input, 8x8 patches, d 64, depth 2, 4 heads, 10 classes: tests, demos, CPU runs", new()
        {
            ImgSize = 32, PatchSize = 8, NumClasses = 10, EmbedDim = 64, Depth = 2, NumHeads = 4,
        }),
        new("ti", "ViT-Ti/16 (DeiT-Ti; timm vit_tiny_patch16_224): d 192, depth 12, 3 heads, 5.7M parameters", new()
        {
            EmbedDim = 192, Depth = 12, NumHeads = 3,
        }),
        new("s", "ViT-S/16 (DeiT-S; timm vit_small_patch16_224): d 384, depth 12, 6 heads, 22.1M parameters", new()
        {
            EmbedDim = 384, Depth = 12, NumHeads = 6,
        }),
        new("b", "ViT-B/16 (paper Table 1; timm vit_base_patch16_224): d 768, depth 12, 12 heads, 86.6M parameters", new()
        {
            EmbedDim = 768, Depth = 12, NumHeads = 12,
        }),
        new("l", "ViT-L/16 (paper Table 1; timm vit_large_patch16_224): d 1024, depth 24, 16 heads, 304M parameters", new()
        {
            EmbedDim = 1024, Depth = 24, NumHeads = 16,
        }),
    ];

    protected override double ForwardFlops(VitConfig c) =>
        ModelFlops.VisionTransformer(c.ImgSize, c.PatchSize, c.InChans, c.EmbedDim, c.Depth, c.MlpRatio, c.NumClasses);
}
