using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Data;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT.Data;

/// <summary>Clips held in memory, already sampled, resized and normalised for one spatial encoder: [N, n_t, C, H, W] and labels.</summary>
public sealed class VideoDataset
{
    private readonly float[] _data;
    private readonly int[] _labels;

    private VideoDataset(float[] data, int[] labels, int frames, ImageInputSpec spec, IReadOnlyList<string> classNames, string description,
        IReadOnlyList<string>? names)
    {
        _data = data;
        _labels = labels;
        Frames = frames;
        Spec = spec;
        ClassNames = classNames;
        Description = description;
        Names = names ?? Enumerable.Range(0, labels.Length).Select(i => $"clip {i}").ToArray();
    }

    public static VideoDataset FromArrays(float[] data, int[] labels, int frames, ImageInputSpec spec, IReadOnlyList<string> classNames,
        string description, IReadOnlyList<string>? names = null)
    {
        long per = (long)frames * spec.Channels * spec.Height * spec.Width;
        if (data.LongLength != per * labels.Length)
            throw new ArgumentException($"{labels.Length} clips of {frames}x{spec.Channels}x{spec.Height}x{spec.Width} " +
                $"need {per * labels.Length} values, got {data.LongLength}.");
        foreach (var l in labels)
            if (l < 0 || l >= classNames.Count) throw new ArgumentException($"Label {l} is outside 0..{classNames.Count - 1}.");
        return new VideoDataset(data, labels, frames, spec, classNames, description, names);
    }

    public int Count => _labels.Length;

    public int Frames { get; }

    public ImageInputSpec Spec { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public string Description { get; }

    /// <summary>Clip names (paths for clips from disk).</summary>
    public IReadOnlyList<string> Names { get; }

    public int Label(int i) => _labels[i];

    private long PerClip => (long)Frames * Spec.Channels * Spec.Height * Spec.Width;

    /// <summary>Clips <paramref name="indices"/> as [b, n_t, C, H, W] and int64 labels [b].</summary>
    public (Tensor Clips, Tensor Labels) Batch(IReadOnlyList<int> indices, Device? device = null)
    {
        long per = PerClip;
        var buf = new float[per * indices.Count];
        var lab = new long[indices.Count];
        for (int j = 0; j < indices.Count; j++)
        {
            Array.Copy(_data, per * indices[j], buf, per * j, per);
            lab[j] = _labels[indices[j]];
        }
        var x = torch.tensor(buf, [indices.Count, Frames, Spec.Channels, Spec.Height, Spec.Width]);
        var y = torch.tensor(lab);
        if (device is not null && device.type != DeviceType.CPU)
        {
            var (xd, yd) = (x.to(device), y.to(device));
            x.Dispose();
            y.Dispose();
            return (xd, yd);
        }
        return (x, y);
    }

    /// <summary>Mini-batches of indices: shuffled with <paramref name="rng"/>, in order without.</summary>
    public IEnumerable<int[]> Batches(int batchSize, Random? rng = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        var order = Enumerable.Range(0, Count).ToArray();
        if (rng is not null) rng.Shuffle(order);
        for (int i = 0; i < order.Length; i += batchSize)
            yield return order[i..Math.Min(order.Length, i + batchSize)];
    }

    /// <summary>A stratified split: about <paramref name="fraction"/> of every class goes to the second part.</summary>
    public (VideoDataset Train, VideoDataset Held) Split(double fraction, int seed)
    {
        if (fraction <= 0 || fraction >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must be in (0, 1).");
        var (train, held) = StratifiedSplit.Indices(Count, i => _labels[i], fraction, seed, labelOrder: false);
        return (Subset(train, "train"), Subset(held, "held-out"));
    }

    public VideoDataset Subset(IReadOnlyList<int> indices, string part)
    {
        long per = PerClip;
        var data = new float[per * indices.Count];
        for (int j = 0; j < indices.Count; j++) Array.Copy(_data, per * indices[j], data, per * j, per);
        return new VideoDataset(data, indices.Select(i => _labels[i]).ToArray(), Frames, Spec, ClassNames, $"{Description} ({part})",
            indices.Select(i => Names[i]).ToArray());
    }
}

/// <summary>A clip that could not be read, and why.</summary>
public sealed record BadClip(string Path, string Reason);

/// <summary>
/// A folder of clips, one sub-folder per class: <c>root/&lt;class&gt;/&lt;clip&gt;</c> where a clip is a folder of frames or
/// an animated .gif/.webp. Each clip is sampled (uniform or strided, deterministic), resized and normalised for the spatial encoder.
/// </summary>
public static class VideoFolderDataset
{
    // skipBad: true: unreadable/short clips are reported through <paramref name="onBad"/> and left out; false: the first one throws.
    // classNames: The class order to use (e.g. a checkpoint's); null: the sub-folder names sorted.
    public static VideoDataset Load(string root, ImageInputSpec spec, SamplingMode mode, int frames, int stride, bool skipBad = false,
        Action<BadClip>? onBad = null, IReadOnlyList<string>? classNames = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: clip folder not found (expected one sub-folder of clips per class).");
        var classDirs = Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0) throw new InvalidDataException($"{root}: no class sub-folders (expected root/<class>/<clip>).");
        var names = classNames ?? classDirs.Select(Path.GetFileName).ToArray()!;
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var data = new List<float[]>();
        var labels = new List<int>();
        var clipNames = new List<string>();
        foreach (var dir in classDirs)
        {
            var cls = Path.GetFileName(dir);
            if (!index.TryGetValue(cls, out int label))
                throw new InvalidDataException($"{dir}: class '{cls}' is not one of the model's classes ({string.Join(", ", names)}).");
            var clips = Directory.EnumerateFileSystemEntries(dir).Where(VideoClip.IsClip).OrderBy(p => Path.GetFileName(p), NaturalComparer.Instance);
            foreach (var clip in clips)
            {
                try
                {
                    data.Add(VideoClip.Load(clip, spec, mode, frames, stride));
                    labels.Add(label);
                    clipNames.Add(clip);
                }
                catch (InvalidDataException ex) when (skipBad)
                {
                    onBad?.Invoke(new BadClip(clip, ex.Message));
                }
            }
        }
        if (labels.Count == 0) throw new InvalidDataException($"{root}: no readable clips (folders of frames or .gif/.webp files) under the class folders.");
        long per = data[0].LongLength;
        var all = new float[per * data.Count];
        for (int i = 0; i < data.Count; i++) Array.Copy(data[i], 0, all, per * i, per);
        return VideoDataset.FromArrays(all, labels.ToArray(), frames, spec, names, $"{root} ({labels.Count} clips)", clipNames);
    }
}
