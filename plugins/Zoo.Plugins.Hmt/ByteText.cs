using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt;

/// <summary>A byte-level text corpus (token = byte, vocabulary 256) with the 90 % / 10 % train / validation split.</summary>
public sealed class ByteText
{
    public ByteText(string path, int minBytes = 1024)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: text corpus not found (the repo ships data/tinyshakespeare/input.txt).", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < minBytes) throw new InvalidDataException($"{path}: only {bytes.Length} bytes of text; need at least {minBytes}.");
        var split = (int)(bytes.Length * 0.9);
        (Train, Validation, Path) = (bytes[..split], bytes[split..], path);
    }

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

    /// <summary>Consecutive non-overlapping sequences of <paramref name="length"/> bytes from the start of <paramref name="data"/>, at most <paramref name="count"/>.</summary>
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
}
