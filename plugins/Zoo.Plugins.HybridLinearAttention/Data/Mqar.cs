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

/// <summary>A byte-level text corpus with the conventional 90% / 10% train / validation split.</summary>
public sealed class ByteCorpus
{
    public ByteCorpus(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Text corpus {path} not found (ship it under data/, e.g. data/tinyshakespeare/input.txt).", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 1024) throw new InvalidDataException($"{path}: only {bytes.Length} bytes; need at least 1 KiB of text.");
        var split = (int)(bytes.Length * 0.9);
        Train = bytes[..split];
        Validation = bytes[split..];
        Path = path;
    }

    public string Path { get; }

    public byte[] Train { get; }

    public byte[] Validation { get; }

    /// <summary>Random windows: inputs [B, L] and next-byte targets [B, L].</summary>
    public static (Tensor Inputs, Tensor Targets) Windows(byte[] data, int batchSize, int length, Random rng)
    {
        var x = new long[batchSize * length];
        var y = new long[batchSize * length];
        for (int b = 0; b < batchSize; b++)
        {
            var start = rng.Next(data.Length - length - 1);
            for (int i = 0; i < length; i++)
            {
                x[b * length + i] = data[start + i];
                y[b * length + i] = data[start + i + 1];
            }
        }
        return (tensor(x).view(batchSize, length), tensor(y).view(batchSize, length));
    }

    /// <summary>Consecutive non-overlapping validation windows (deterministic), at most <paramref name="maxWindows"/>.</summary>
    public IEnumerable<(Tensor Inputs, Tensor Targets)> ValidationWindows(int batchSize, int length, int maxWindows)
    {
        var count = Math.Min(maxWindows, (Validation.Length - 1) / length);
        for (int w = 0; w < count; w += batchSize)
        {
            var n = Math.Min(batchSize, count - w);
            var x = new long[n * length];
            var y = new long[n * length];
            for (int b = 0; b < n; b++)
                for (int i = 0; i < length; i++)
                {
                    var p = (w + b) * length + i;
                    x[b * length + i] = Validation[p];
                    y[b * length + i] = Validation[p + 1];
                }
            yield return (tensor(x).view(n, length), tensor(y).view(n, length));
        }
    }
}
