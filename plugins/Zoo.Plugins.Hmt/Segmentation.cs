using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// Splits a long token sequence into consecutive segments H_0, H_1, ... of the text block length (HMT Sec. 3.1;
/// HMT-pytorch SegmentIterator, left alignment: every segment is full except possibly the last).
/// </summary>
public static class Segmentation
{
    /// <summary>(start, length) of every segment of a sequence of <paramref name="totalLength"/> tokens.</summary>
    public static IReadOnlyList<(int Start, int Length)> Bounds(long totalLength, int blockLength)
    {
        if (blockLength < 1) throw new ArgumentException($"HMT segmentation: block length must be >= 1, not {blockLength}.");
        if (totalLength < 1) throw new ArgumentException("HMT segmentation: the sequence is empty.");
        var list = new List<(int, int)>();
        for (long s = 0; s < totalLength; s += blockLength)
            list.Add(((int)s, (int)Math.Min(blockLength, totalLength - s)));
        return list;
    }

    /// <summary>Views [B, len] of <paramref name="tokens"/> [B, T], in order.</summary>
    public static IReadOnlyList<Tensor> Split(Tensor tokens, int blockLength)
    {
        if (tokens.dim() != 2)
            throw new ArgumentException($"HMT segmentation: tokens must be [batch, length], got shape [{string.Join(", ", tokens.shape)}].");
        return Bounds(tokens.shape[1], blockLength).Select(b => tokens.narrow(1, b.Start, b.Length)).ToList();
    }
}
