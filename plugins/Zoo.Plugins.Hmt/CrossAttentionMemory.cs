using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// Memory recall (HMT Sec. 3.2, "memory search"; HMT-pytorch long_mem_cross_attn.py): the segment summary S_n queries the
/// cached memory embeddings M: a = softmax((S_n W_q)(M W_k)^T / sqrt(h)), P_n = a M. Values are the raw cached embeddings
/// (no value or output projection).
/// </summary>
public sealed class CrossAttentionMemory : nn.Module
{
    private readonly Linear wq, wk;
    private readonly int _dim, _hidden;

    public CrossAttentionMemory(int dim, int hiddenDim) : base("CrossAttentionMemory")
    {
        (_dim, _hidden) = (dim, hiddenDim);
        wq = nn.Linear(dim, hiddenDim, hasBias: false);
        wk = nn.Linear(dim, hiddenDim, hasBias: false);
        RegisterComponents();
    }

    public int HiddenDim => _hidden;

    /// <summary>
    /// <paramref name="memory"/> [B, N, d] cached embeddings, <paramref name="query"/> [B, 1, d] segment summary.
    /// Returns the recalled memory P [B, 1, d] and the attention weights a [B, 1, N].
    /// </summary>
    public (Tensor Recalled, Tensor Weights) Recall(Tensor memory, Tensor query)
    {
        if (memory.dim() != 3 || memory.shape[2] != _dim || memory.shape[1] < 1)
            throw new ArgumentException($"HMT recall: memory must be [batch, N >= 1, {_dim}], got [{string.Join(", ", memory.shape)}].");
        if (query.dim() != 3 || query.shape[1] != 1 || query.shape[2] != _dim || query.shape[0] != memory.shape[0])
            throw new ArgumentException($"HMT recall: query must be [{memory.shape[0]}, 1, {_dim}], got [{string.Join(", ", query.shape)}].");
        var xq = wq.forward(query);                                            // [B, 1, h]
        var mk = wk.forward(memory);                                           // [B, N, h]
        var scores = xq.matmul(mk.transpose(1, 2)) / Math.Sqrt(_hidden);       // [B, 1, N]
        var a = scores.softmax(-1);
        return (a.matmul(memory), a);                                          // [B, 1, d], [B, 1, N]
    }
}
