using Zoo.Toolkit.Layers;

namespace Zoo.Plugins.Vit;

/// <summary>timm ViT attention (paper Eq. 2, MSA): the toolkit's fused-qkv <see cref="SelfAttention"/> (keys qkv, proj), prefix-capable.</summary>
public sealed class VitAttention(int dim, int heads, bool qkvBias, double attnDrop, double projDrop)
    : SelfAttention(dim, heads, qkvBias, attnDrop, projDrop);
