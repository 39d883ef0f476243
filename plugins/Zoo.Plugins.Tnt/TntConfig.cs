using System.Text.Json.Serialization;
using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Constructor arguments of timm's <c>TNT</c> under timm's own names (the shared image-transformer fields, then TNT's inner
/// words). Paper Table 1 gives TNT-S and TNT-B. EmbedDim is the outer (sentence) width d.
/// </summary>
public sealed record TntConfig : ImageTransformerConfig
{
    /// <summary>Inner (word) width c.</summary>
    public int InnerDim { get; init; } = 24;
    public int NumHeadsInner { get; init; } = 4;
    public int NumHeadsOuter { get; init; } = 6;
    public bool QkvBias { get; init; }
    /// <summary>Stride of the 7x7 word-embedding conv: words per patch side = ceil(patch_size / first_stride).</summary>
    public int FirstStride { get; init; } = 4;
    /// <summary>true: the paper's layout (conv the whole image, then unfold; per-block proj LN(c) -> Linear(bias)).</summary>
    public bool Legacy { get; init; }

    /// <summary>w: visual words per patch side.</summary>
    [JsonIgnore] public int WordGrid => (PatchSize + FirstStride - 1) / FirstStride;
    /// <summary>m = w*w visual words per sentence.</summary>
    [JsonIgnore] public int NumWords => WordGrid * WordGrid;

    /// <summary>TNT-S (paper Table 1; timm tnt_s_patch16_224): 23.8M parameters.</summary>
    public static TntConfig TntS(int numClasses = 1000, bool legacy = false) => new()
    {
        PatchSize = 16, EmbedDim = 384, InnerDim = 24, Depth = 12, NumHeadsOuter = 6, NumHeadsInner = 4, NumClasses = numClasses, Legacy = legacy,
    };

    /// <summary>TNT-B (paper Table 1; timm tnt_b_patch16_224): 65.4M parameters.</summary>
    public static TntConfig TntB(int numClasses = 1000, bool legacy = false) => new()
    {
        PatchSize = 16, EmbedDim = 640, InnerDim = 40, Depth = 12, NumHeadsOuter = 10, NumHeadsInner = 4, NumClasses = numClasses, Legacy = legacy,
    };

    /// <summary>A tiny TNT for tests and CPU runs (the fixtures' shape): 32x32 input, 8x8 patches of 4x4 words, d 64, c 16, depth 2.</summary>
    public static TntConfig Tiny(int numClasses = 10, int inChans = 3, bool legacy = false) => new()
    {
        ImgSize = 32, PatchSize = 8, InChans = inChans, NumClasses = numClasses, EmbedDim = 64, InnerDim = 16, Depth = 2,
        NumHeadsOuter = 4, NumHeadsInner = 2, FirstStride = 2, Legacy = legacy,
    };

    protected override string ModelName => "TNT";

    protected override void ValidateModel()
    {
        Need(InChans > 0, "in_chans must be positive.");
        Need(NumClasses >= 0, "num_classes must be >= 0.");
        Need(EmbedDim > 0 && NumHeadsOuter > 0 && EmbedDim % NumHeadsOuter == 0,
            $"embed_dim ({EmbedDim}) must be divisible by num_heads_outer ({NumHeadsOuter}).");
        Need(InnerDim > 0 && NumHeadsInner > 0 && InnerDim % NumHeadsInner == 0,
            $"inner_dim ({InnerDim}) must be divisible by num_heads_inner ({NumHeadsInner}).");
        Need(Depth > 0, "depth must be positive.");
        Need(FirstStride > 0, "first_stride must be positive.");
        Need(MlpRatio > 0, "mlp_ratio must be positive.");
        if (Legacy)
        {
            int convOut = (ImgSize + 6 - 7) / FirstStride + 1;
            Need(convOut == GridSize * WordGrid,
                $"legacy layout: the stem conv gives {convOut} pixels per side, which is not {GridSize} patches x {WordGrid} words.");
        }
    }
}
