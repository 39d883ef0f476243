using TorchSharp;
using Zoo.Core;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>Builds TNT from its timm-named config; runs the timm parity fixtures (outputs y, features, pixel_embed).</summary>
[ZooExport(typeof(IModelFactory), "tnt", Task = ZooTasks.ImageClassification, Paper = "Transformer in Transformer (Han et al., NeurIPS 2021)",
    ArxivId = "2103.00112", Summary = "TNT: an inner transformer over visual words inside each patch, an outer one over patches (TNT-S/B/tiny, timm keys).")]
public sealed class TntFactory : ModelFactory<TntConfig>
{
    public override nn.Module Create(TntConfig config) => new TransformerInTransformer(config);

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

/// <summary>Builds the plain ViT baseline (timm VisionTransformer keys).</summary>
[ZooExport(typeof(IModelFactory), "vit", Task = ZooTasks.ImageClassification, Paper = "An Image is Worth 16x16 Words (Dosovitskiy et al., ICLR 2021)",
    ArxivId = "2010.11929", Summary = "Plain ViT with class token (timm keys): TNT's baseline of the same width and depth, and a general image encoder.")]
public sealed class VitFactory : ModelFactory<VitConfig>
{
    public override nn.Module Create(VitConfig config) => new VisionTransformer(config);
}
