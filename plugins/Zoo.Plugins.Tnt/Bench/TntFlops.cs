using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Analytic forward FLOPs per image of TNT (2 x multiply-adds of convs, linears and attention matmuls; norms, softmax and
/// activations left out), for model FLOP utilisation in <c>zoo bench tnt</c>. Training is counted as 3 x forward.
/// </summary>
public static class TntFlops
{
    /// <summary>Stem conv, sentence init, per block the inner transformer over n sentences of m words (Eq. 3-4),
    /// the inner->outer projection (Eq. 5) and the outer transformer over n+1 tokens (Eq. 6), head.</summary>
    public static double Forward(TntConfig c)
    {
        double n = c.NumPatches, m = c.NumWords, w = c.WordGrid, ci = c.InnerDim, d = c.EmbedDim, N = n + 1;
        double macs = n * (ci * w * w) * (c.InChans * 49)           // 7x7 word conv
                    + n * m * ci * d;                                 // sentence initialisation
        double inner = n * (12 * m * ci * ci + 2 * m * m * ci);       // qk, v, proj, 4c MLP + attention
        double proj = n * m * ci * d;
        double outer = ModelFlops.TransformerLayerMacs(N, d, c.MlpRatio);
        macs += c.Depth * (inner + proj + outer) + d * c.NumClasses;
        return 2 * macs;
    }

    /// <summary>The plain ViT with TNT's outer transformer (same width, depth, patches): the paper's baseline without the inner transformer.</summary>
    public static double OuterOnly(TntConfig c) =>
        ModelFlops.VisionTransformer(c.ImgSize, c.PatchSize, c.InChans, c.EmbedDim, c.Depth, c.MlpRatio, c.NumClasses);
}
