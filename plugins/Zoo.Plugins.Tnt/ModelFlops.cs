namespace Zoo.Plugins.Tnt;

/// <summary>
/// Analytic forward FLOPs per image (2 x multiply-adds of convs, linears and attention matmuls; norms, softmax and
/// activations left out), for model FLOP utilisation. Training is counted as 3 x forward.
/// </summary>
public static class ModelFlops
{
    /// <summary>TNT: stem conv, sentence init, per block the inner transformer over n sentences of m words (Eq. 3-4),
    /// the inner->outer projection (Eq. 5) and the outer transformer over n+1 tokens (Eq. 6), head.</summary>
    public static double Tnt(TntConfig c)
    {
        double n = c.NumPatches, m = c.NumWords, w = c.WordGrid, ci = c.InnerDim, d = c.EmbedDim, N = n + 1, r = c.MlpRatio;
        double macs = n * (ci * w * w) * (c.InChans * 49)           // 7x7 word conv
                    + n * m * ci * d;                                 // sentence initialisation
        double inner = n * (12 * m * ci * ci + 2 * m * m * ci);       // qk, v, proj, 4c MLP + attention
        double proj = n * m * ci * d;
        double outer = 4 * N * d * d + 2 * N * N * d + 2 * r * N * d * d;
        macs += c.Depth * (inner + proj + outer) + d * c.NumClasses;
        return 2 * macs;
    }

    /// <summary>Plain ViT: patch conv, per block attention (qkv + proj) and MLP over n+1 tokens, head.</summary>
    public static double Vit(VitConfig c)
    {
        double n = c.NumPatches, d = c.EmbedDim, N = n + 1, r = c.MlpRatio;
        double macs = n * d * c.InChans * c.PatchSize * c.PatchSize
                    + c.Depth * (4 * N * d * d + 2 * N * N * d + 2 * r * N * d * d) + d * c.NumClasses;
        return 2 * macs;
    }
}
