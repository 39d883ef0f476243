using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.Vit;

/// <summary>Constructor arguments of timm's <c>VisionTransformer</c> (the subset a plain ViT with a class token needs), timm's names.</summary>
public sealed record VitConfig : ImageTransformerConfig
{
    public int NumHeads { get; init; } = 6;
    public bool QkvBias { get; init; } = true;

    protected override string ModelName => "ViT";

    protected override void ValidateModel()
    {
        Need(InChans > 0 && NumClasses >= 0 && Depth > 0 && MlpRatio > 0, "in_chans, depth, mlp_ratio must be positive and num_classes >= 0.");
        Need(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"embed_dim ({EmbedDim}) must be divisible by num_heads ({NumHeads}).");
    }
}
