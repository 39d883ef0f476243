namespace Zoo.Plugins.Informer;

/// <summary>
/// Analytic FLOPs of one Informer forward pass (multiply-adds x 2 of every matmul, linear and convolution; softmax, norms
/// and activations are left out). A training step is counted as 3 forward passes.
/// </summary>
public static class InformerFlops
{
    public static double Forward(InformerConfig c, long batch)
    {
        double d = c.DModel, ff = c.DFf;
        int marks = c.Embed == "timeF" ? TimeFeatures.ContinuousCount(c.FreqChar) : 0;
        long le = c.SeqLen, ld = c.LabelLen + c.OutLen;
        double Attention(long lq, long lk, bool prob)
        {
            if (!prob) return 2 * 2.0 * lq * lk * d;                                      // QK^T and AV
            double uPart = ProbAttention.Budget(c.Factor, lk), u = ProbAttention.Budget(c.Factor, lq);
            return 2.0 * lq * uPart * d + 2 * 2.0 * u * lk * d;                          // sampled scores, top-u QK^T and AV
        }
        double Embedding(long l, int cin) => 2.0 * l * (cin * 3 + marks) * d;
        bool prob = c.Attn == "prob";
        double f = Embedding(le, c.EncIn) + Embedding(ld, c.DecIn);
        long encOut = 0;
        var stacks = c.Model == "informerstack" ? c.SLayers.Select((n, i) => (Layers: n, Len: le >> i)) : [(c.ELayers, le)];
        foreach (var (layers, len0) in stacks)
        {
            long l = len0;
            for (int i = 0; i < layers; i++)
            {
                f += 4 * 2.0 * l * d * d + Attention(l, l, prob) + 2 * 2.0 * l * d * ff;
                if (c.Distil && i < layers - 1)
                {
                    f += 2.0 * l * d * d * 3;
                    l = ConvLayer.OutputLength(l);
                }
            }
            encOut += l;
        }
        for (int i = 0; i < c.DLayers; i++)
        {
            f += 4 * 2.0 * ld * d * d + Attention(ld, ld, prob);                         // masked self-attention
            f += 2 * 2.0 * ld * d * d + 2 * 2.0 * encOut * d * d + Attention(ld, encOut, false);   // cross-attention (always full)
            f += 2 * 2.0 * ld * d * ff;
        }
        f += 2.0 * ld * d * c.COut;
        return f * batch;
    }
}
