using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>Inner attention of an <see cref="AttentionLayer"/>: [B, L, H, E] queries, [B, S, H, E] keys, [B, S, H, D] values -> [B, L, H, D].</summary>
public abstract class InnerAttention : nn.Module
{
    protected InnerAttention(string name) : base(name) { }

    /// <summary>True for the decoder's masked self-attention (a query sees only keys at or before its position).</summary>
    public abstract bool MaskFlag { get; }

    public abstract Tensor Attend(Tensor queries, Tensor keys, Tensor values);
}

/// <summary>Canonical self-attention A(Q, K, V) = softmax(QK^T / sqrt(d)) V (Eq. 1), with the causal mask when <see cref="MaskFlag"/>.</summary>
public sealed class FullAttention : InnerAttention
{
    private readonly bool maskFlag;
    private readonly Dropout dropout;

    public FullAttention(bool maskFlag, double attentionDropout) : base(nameof(FullAttention))
    {
        this.maskFlag = maskFlag;
        dropout = nn.Dropout(attentionDropout);
        RegisterComponents();
    }

    public override bool MaskFlag => maskFlag;

    public override Tensor Attend(Tensor queries, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        long L = queries.shape[1], S = keys.shape[1], E = queries.shape[3];
        var scale = 1.0 / Math.Sqrt(E);
        var q = queries.transpose(1, 2);          // [B, H, L, E]
        var k = keys.permute(0, 2, 3, 1);         // [B, H, E, S]
        var v = values.transpose(1, 2);           // [B, H, S, D]
        var scores = q.matmul(k);                 // [B, H, L, S]
        if (maskFlag)
        {
            using var mask = ones(L, S, dtype: ScalarType.Bool, device: scores.device).triu(1);
            scores = scores.masked_fill(mask, double.NegativeInfinity);
        }
        var a = dropout.call(softmax(scores * scale, -1));
        return a.matmul(v).transpose(1, 2).MoveToOuterDisposeScope();   // [B, L, H, D]
    }
}
