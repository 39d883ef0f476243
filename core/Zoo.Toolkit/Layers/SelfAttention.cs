using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>
/// timm multi-head self-attention: softmax(q k^T / sqrt(d_head)) v, then proj (keys attn_drop, proj, proj_drop). The projections
/// are one fused <c>qkv</c> Linear (ViT, ViViT) or, from <see cref="SplitQk"/>, TNT's <c>qk</c> and <c>v</c> (paper Eq. 1-2).
/// Fields are protected so that a named subclass (ViT's <c>VitAttention</c>) still registers them (TorchSharp reads the fields of GetType()).
/// </summary>
public class SelfAttention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    protected readonly nn.Module<Tensor, Tensor>? qkv, qk, v;
    protected readonly nn.Module<Tensor, Tensor> attn_drop, proj, proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads, _qkHeadDim;
    private readonly Scalar _scale;

    /// <summary>Fused projections: qkv = Linear(dim, 3 dim).</summary>
    public SelfAttention(int dim, int heads, bool qkvBias, double attnDrop, double projDrop)
        : this(dim, dim, heads, qkvBias, attnDrop, projDrop, fused: true) { }

    private SelfAttention(int dim, int hiddenDim, int heads, bool qkvBias, double attnDrop, double projDrop, bool fused) : base("Attention")
    {
        _heads = heads;
        _qkHeadDim = hiddenDim / heads;
        _scale = AttentionOps.Scale(_qkHeadDim);
        if (fused) qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        else
        {
            qk = nn.Linear(dim, hiddenDim * 2, hasBias: qkvBias);
            v = nn.Linear(dim, dim, hasBias: qkvBias);
        }
        attn_drop = nn.Dropout(attnDrop);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(projDrop);
        RegisterComponents();
    }

    /// <summary>TNT's layout: qk = Linear(dim, 2 hiddenDim) for queries and keys, v = Linear(dim, dim) for values.</summary>
    public static SelfAttention SplitQk(int dim, int hiddenDim, int heads, bool qkvBias, double attnDrop, double projDrop) =>
        new(dim, hiddenDim, heads, qkvBias, attnDrop, projDrop, fused: false);

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// Attention with optional prefix keys/values [B, Lp, C] (prefix-tuning, Li &amp; Liang 2021; the form CODA-Prompt uses):
    /// they are prepended to the projected keys and values, so softmax runs over Lp + n positions and the output keeps n tokens.
    /// </summary>
    public Tensor Forward(Tensor x, (Tensor Keys, Tensor Values)? prefix)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        Tensor q, k, values;
        if (qkv is not null)
        {
            var parts = qkv.forward(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4).unbind(0);
            (q, k, values) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            var parts = qk!.forward(x).reshape(b, n, 2, _heads, _qkHeadDim).permute(2, 0, 3, 1, 4).unbind(0);
            (q, k, values) = (parts[0], parts[1], AttentionOps.SplitHeads(v!.forward(x), _heads));
        }
        if (prefix is var (pk, pv))
        {
            if (pk.dim() != 3 || pv.dim() != 3 || pk.shape[0] != b || pv.shape[0] != b || pk.shape[2] != c || pv.shape[2] != c || pk.shape[1] != pv.shape[1])
                throw new ArgumentException($"ViT attention prefix: keys and values must both be [{b}, Lp, {c}], " +
                    $"got [{string.Join(", ", pk.shape)}] and [{string.Join(", ", pv.shape)}].");
            k = torch.cat([AttentionOps.SplitHeads(pk, _heads), k], 2);
            values = torch.cat([AttentionOps.SplitHeads(pv, _heads), values], 2);
        }
        var mixed = AttentionOps.MergeHeads(AttentionOps.ScaledDotProduct(q, k, values, _scale, attn_drop));
        return proj_drop.forward(proj.forward(mixed)).MoveToOuterDisposeScope();
    }
}
