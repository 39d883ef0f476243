using TorchSharp;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// One TNT block (paper Eq. 3-6): the inner transformer refines the visual words of each sentence, their flattened
/// words are projected and added to the sentence tokens (class token untouched), then the outer transformer runs over sentences.
/// </summary>
public sealed class TntBlock : nn.Module
{
#pragma warning disable IDE1006
    // Inner transformer (words).
    private readonly nn.Module<Tensor, Tensor> norm_in;
    private readonly SelfAttention attn_in;
    private readonly nn.Module<Tensor, Tensor> norm_mlp_in;
    private readonly Mlp mlp_in;
    // Inner -> outer projection. Default: LN(m*c) -> Linear(no bias) -> LN(d); legacy: LN(c) -> Linear(bias).
    private readonly nn.Module<Tensor, Tensor> norm1_proj;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor>? norm2_proj;
    // Outer transformer (sentences).
    private readonly nn.Module<Tensor, Tensor> norm_out;
    private readonly SelfAttention attn_out;
    private readonly nn.Module<Tensor, Tensor> norm_mlp;
    private readonly Mlp mlp;
    private readonly DropPath drop_path;
#pragma warning restore IDE1006
    private readonly bool _legacy;

    public TntBlock(TntConfig c, double dropPath) : base(nameof(TntBlock))
    {
        _legacy = c.Legacy;
        int m = c.NumWords;
        norm_in = nn.LayerNorm(c.InnerDim, eps: 1e-5);
        attn_in = SelfAttention.SplitQk(c.InnerDim, c.InnerDim, c.NumHeadsInner, c.QkvBias, c.AttnDropRate, c.ProjDropRate);
        norm_mlp_in = nn.LayerNorm(c.InnerDim, eps: 1e-5);
        mlp_in = new Mlp(c.InnerDim, c.InnerDim * 4, c.ProjDropRate);   // inner hidden is 4c regardless of mlp_ratio
        if (_legacy)
        {
            norm1_proj = nn.LayerNorm(c.InnerDim, eps: 1e-5);
            proj = nn.Linear(m * c.InnerDim, c.EmbedDim, hasBias: true);
            norm2_proj = null;
        }
        else
        {
            norm1_proj = nn.LayerNorm(m * c.InnerDim, eps: 1e-5);
            proj = nn.Linear(m * c.InnerDim, c.EmbedDim, hasBias: false);
            norm2_proj = nn.LayerNorm(c.EmbedDim, eps: 1e-5);
        }
        norm_out = nn.LayerNorm(c.EmbedDim, eps: 1e-5);
        attn_out = SelfAttention.SplitQk(c.EmbedDim, c.EmbedDim, c.NumHeadsOuter, c.QkvBias, c.AttnDropRate, c.ProjDropRate);
        norm_mlp = nn.LayerNorm(c.EmbedDim, eps: 1e-5);
        mlp = new Mlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), c.ProjDropRate);
        drop_path = new DropPath(dropPath);
        RegisterComponents();
    }

    /// <summary>Inner-to-outer projection (Eq. 5): words [B*n, m, c] -> sentence increments [B, n, d].</summary>
    public Tensor ProjectWords(Tensor words, long batch)
    {
        long n = words.shape[0] / batch;
        if (_legacy)
        {
            using var normed = norm1_proj.forward(words);
            return proj.forward(normed.reshape(batch, n, -1));
        }
        using var flat = words.reshape(batch, n, -1);
        using var normedFlat = norm1_proj.forward(flat);
        using var projected = proj.forward(normedFlat);
        return norm2_proj!.forward(projected);
    }

    /// <summary>Eq. 5: adds the projected words to the patch tokens; the class token (index 0) is passed through unchanged.</summary>
    public Tensor AddProjectedWords(Tensor words, Tensor sentences)
    {
        using var scope = torch.NewDisposeScope();
        long b = sentences.shape[0], n1 = sentences.shape[1];
        var cls = sentences.narrow(1, 0, 1);
        var patches = AttentionOps.Residual(sentences.narrow(1, 1, n1 - 1), ProjectWords(words, b));
        return torch.cat([cls, patches], 1).MoveToOuterDisposeScope();
    }

    /// <summary>words [B*n, m, c], sentences [B, n+1, d] -> updated (words, sentences).</summary>
    public (Tensor Words, Tensor Sentences) forward(Tensor words, Tensor sentences)
    {
        using var scope = torch.NewDisposeScope();
        // Eq. 3-4: inner transformer over the m words of each sentence.
        words = AttentionOps.Residual(words, drop_path.forward(attn_in.forward(norm_in.forward(words))));
        words = AttentionOps.Residual(words, drop_path.forward(mlp_in.forward(norm_mlp_in.forward(words))));
        var s = AddProjectedWords(words, sentences);
        // Eq. 6: outer transformer over sentences.
        s = AttentionOps.Residual(s, drop_path.forward(attn_out.forward(norm_out.forward(s))));
        s = AttentionOps.Residual(s, drop_path.forward(mlp.forward(norm_mlp.forward(s))));
        return (words.MoveToOuterDisposeScope(), s.MoveToOuterDisposeScope());
    }
}
