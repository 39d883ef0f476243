using Zoo.Toolkit.Data;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Sequence;

/// <summary>
/// A byte-level text corpus (token = byte, vocabulary 256) with the conventional 90 % / 10 % train / validation split.
/// The language models of the zoo (hybrid-lm, HMT) read Tiny Shakespeare through it.
/// </summary>
public sealed class ByteText
{
    /// <summary>The shipped Tiny Shakespeare corpus (Karpathy's char-rnn input.txt, 1,115,394 bytes).</summary>
    public const string TinyShakespeare = "data/tinyshakespeare/input.txt";

    public ByteText(string path, int minBytes = 1024)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: text corpus not found (the repo ships {TinyShakespeare}).", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < minBytes)
            throw new InvalidDataException($"{path}: only {bytes.Length} bytes of text; need at least {minBytes}.");
        var split = (int)(bytes.Length * 0.9);
        (Train, Validation, Path) = (bytes[..split], bytes[split..], path);
    }

    /// <summary>The corpus at <paramref name="path"/>, or the shipped Tiny Shakespeare when null.</summary>
    public static ByteText Open(string? path) => new(path ?? ShippedData.Require(TinyShakespeare));

    public string Path { get; }

    public byte[] Train { get; }

    public byte[] Validation { get; }

    /// <summary>Random windows of <paramref name="length"/> bytes: inputs [B, L] and next-byte targets [B, L].</summary>
    public static (Tensor Inputs, Tensor Targets) Windows(byte[] data, int batch, int length, Random rng)
    {
        if (data.Length < length + 2) throw new ArgumentException($"Text of {data.Length} bytes is shorter than a window of {length + 1}.");
        var x = new long[batch * length];
        var y = new long[batch * length];
        for (int b = 0; b < batch; b++)
        {
            var start = rng.Next(data.Length - length - 1);
            for (int i = 0; i < length; i++)
            {
                x[b * length + i] = data[start + i];
                y[b * length + i] = data[start + i + 1];
            }
        }
        return (tensor(x).view(batch, length), tensor(y).view(batch, length));
    }

    /// <summary>Consecutive non-overlapping sequences of <paramref name="length"/> bytes from the start, at most <paramref name="count"/>.</summary>
    public static (Tensor Inputs, Tensor Targets) Sequences(byte[] data, int length, int count)
    {
        var n = Math.Min(count, (data.Length - 1) / length);
        if (n < 1) throw new ArgumentException($"Text of {data.Length} bytes holds no sequence of {length + 1} bytes.");
        var x = new long[n * length];
        var y = new long[n * length];
        for (int i = 0; i < n * length; i++)
        {
            x[i] = data[i];
            y[i] = data[i + 1];
        }
        return (tensor(x).view(n, length), tensor(y).view(n, length));
    }

    /// <summary>Consecutive validation windows (deterministic) in batches, at most <paramref name="maxWindows"/> in all.</summary>
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
