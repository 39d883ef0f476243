using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// Multi-query associative recall (MQAR; Arora et al., Zoology, arXiv:2312.04927), generated in code. A sequence lists
/// <see cref="Pairs"/> key-value pairs "k1 v1 k2 v2 ...", then <see cref="Queries"/> queries "q a" where q is one of the
/// keys and a its value. The model is scored on predicting a at each q (targets elsewhere are -100, ignored).
/// Keys are tokens [0, KeyVocab), values [KeyVocab, KeyVocab + ValueVocab), all inside the byte vocabulary.
/// </summary>
public sealed record Mqar(int Pairs = 16, int Queries = 16, int KeyVocab = 64, int ValueVocab = 64)
{
    public int Length => 2 * Pairs + 2 * Queries;

    /// <summary>A batch: inputs [B, L] and targets [B, L] (int64, -100 where not scored).</summary>
    public (Tensor Inputs, Tensor Targets) Batch(int batchSize, Random rng)
    {
        if (Pairs > KeyVocab) throw new ArgumentException($"MQAR: {Pairs} pairs need at least as many distinct keys (key vocab {KeyVocab}).");
        var x = new long[batchSize * Length];
        var y = new long[batchSize * Length];
        Array.Fill(y, -100);
        var keys = Enumerable.Range(0, KeyVocab).ToArray();
        for (int b = 0; b < batchSize; b++)
        {
            rng.Shuffle(keys);
            var values = new int[Pairs];
            int o = b * Length;
            for (int i = 0; i < Pairs; i++)
            {
                values[i] = KeyVocab + rng.Next(ValueVocab);
                x[o + 2 * i] = keys[i];
                x[o + 2 * i + 1] = values[i];
            }
            for (int j = 0; j < Queries; j++)
            {
                var i = rng.Next(Pairs);
                var p = o + 2 * Pairs + 2 * j;
                x[p] = keys[i];
                x[p + 1] = values[i];
                y[p] = values[i];                 // predict the value at the query position
            }
        }
        return (tensor(x).view(batchSize, Length), tensor(y).view(batchSize, Length));
    }
}
