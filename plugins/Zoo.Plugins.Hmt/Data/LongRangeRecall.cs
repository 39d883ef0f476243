using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// Long-range recall, generated in code: a key is given in the first segment ("KEY k"), random filler follows, and the
/// query mark at the end of a later segment must be answered with k. Targets are -100 except at query positions.
/// With <see cref="QueryEverySegment"/> every later segment ends with a query (denser training signal); otherwise only the
/// last one does (the evaluation: asked once, many segments later). The key never reappears in the input, so a model
/// that sees only a window of the last segment is at chance (1 / <see cref="Keys"/>).
/// </summary>
public sealed record LongRangeRecall(int BlockLength, int Keys = 16, bool QueryEverySegment = true)
{
    public const int KeyMark = 1, QueryMark = 2, FirstKey = 10, FirstFiller = 32, FillerCount = 96;

    /// <summary>Inputs and targets [B, segments * BlockLength].</summary>
    public (Tensor Inputs, Tensor Targets) Batch(int batch, int segments, Random rng)
    {
        if (BlockLength < 4) throw new ArgumentException($"Recall task: block length {BlockLength} is too short (need 4).");
        if (segments < 2) throw new ArgumentException($"Recall task: need at least 2 segments (key, then query), got {segments}.");
        if (Keys < 2 || Keys > FirstFiller - FirstKey) throw new ArgumentException($"Recall task: keys must be in [2, {FirstFiller - FirstKey}], got {Keys}.");
        var t = segments * BlockLength;
        var x = new long[batch * t];
        var y = new long[batch * t];
        Array.Fill(y, -100);
        for (int b = 0; b < batch; b++)
        {
            var o = b * t;
            for (int i = 0; i < t; i++) x[o + i] = FirstFiller + rng.Next(FillerCount);
            var key = FirstKey + rng.Next(Keys);
            var p = rng.Next(BlockLength - 2);
            x[o + p] = KeyMark;
            x[o + p + 1] = key;
            for (int s = QueryEverySegment ? 1 : segments - 1; s < segments; s++)
            {
                var q = o + (s + 1) * BlockLength - 1;
                x[q] = QueryMark;
                y[q] = key;
            }
        }
        return (tensor(x).view(batch, t), tensor(y).view(batch, t));
    }
}
