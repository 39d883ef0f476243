using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>Multi-head projection around an inner attention (full or ProbSparse), with the reference's "mix" option.</summary>
public sealed class AttentionLayer : nn.Module
{
    private readonly InnerAttention inner_attention;
    private readonly Linear query_projection;
    private readonly Linear key_projection;
    private readonly Linear value_projection;
    private readonly Linear out_projection;
    private readonly int nHeads;
    private readonly bool mix;

    public AttentionLayer(InnerAttention attention, int dModel, int nHeads, bool mix) : base(nameof(AttentionLayer))
    {
        int dKeys = dModel / nHeads, dValues = dModel / nHeads;
        inner_attention = attention;
        query_projection = nn.Linear(dModel, dKeys * nHeads);
        key_projection = nn.Linear(dModel, dKeys * nHeads);
        value_projection = nn.Linear(dModel, dValues * nHeads);
        out_projection = nn.Linear(dValues * nHeads, dModel);
        this.nHeads = nHeads;
        this.mix = mix;
        RegisterComponents();
    }

    public InnerAttention Inner => inner_attention;

    /// <summary>queries [B, L, d_model], keys/values [B, S, d_model] -> [B, L, d_model].</summary>
    public Tensor forward(Tensor queries, Tensor keys, Tensor values)
    {
        using var scope = NewDisposeScope();
        long B = queries.shape[0], L = queries.shape[1], S = keys.shape[1];
        var q = query_projection.call(queries).view(B, L, nHeads, -1);
        var k = key_projection.call(keys).view(B, S, nHeads, -1);
        var v = value_projection.call(values).view(B, S, nHeads, -1);
        var @out = inner_attention.Attend(q, k, v);                 // [B, L, H, D]
        // mix: reinterpret the [B, H, L, D] memory as [B, L, H*D] (deliberately mixes time and heads, as the reference).
        if (mix) @out = @out.transpose(2, 1).contiguous();
        @out = @out.reshape(B, L, -1);
        return out_projection.call(@out).MoveToOuterDisposeScope();
    }
}
