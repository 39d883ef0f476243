using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision;

/// <summary>A batch: normalised images [B, C, H, W], int64 labels [B] and which source items they are.</summary>
public sealed class ImageBatch(Tensor images, Tensor labels, int[] indices) : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Labels { get; } = labels;

    /// <summary>Source indices of the rows (unreadable items skipped).</summary>
    public int[] Indices { get; } = indices;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Turns an <see cref="IImageSource"/> into tensor batches (shuffled with a seed for training).</summary>
public static class ImageBatches
{
    /// <summary>
    /// Yields batches of up to <paramref name="batchSize"/> images in <paramref name="shuffleRng"/>'s order (null: source order).
    /// Unreadable images are left out of their batch (the source reports them); the caller disposes each batch.
    /// </summary>
    public static IEnumerable<ImageBatch> Enumerate(IImageSource source, ImageTransform transform, int batchSize, Random? shuffleRng = null,
        Random? augmentRng = null, Device? device = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be at least 1");
        var order = Enumerable.Range(0, source.Count).ToArray();
        if (shuffleRng != null) shuffleRng.Shuffle(order);
        int per = transform.FloatsPerImage;
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, order.Length - start);
            var buffer = new float[n * per];
            var labels = new long[n];
            var kept = new List<int>(n);
            for (int j = 0; j < n; j++)
            {
                int idx = order[start + j];
                using var img = source.TryLoad(idx);
                if (img is null) continue;
                transform.Apply(img, buffer.AsSpan(kept.Count * per, per), augmentRng);
                labels[kept.Count] = source.Label(idx);
                kept.Add(idx);
            }
            if (kept.Count == 0) continue;
            var spec = transform.Spec;
            var images = torch.tensor(buffer.AsSpan(0, kept.Count * per).ToArray(), [kept.Count, spec.Channels, spec.Height, spec.Width]);
            var lab = torch.tensor(labels.AsSpan(0, kept.Count).ToArray(), [kept.Count]);
            if (device != null && device.type != DeviceType.CPU)
            {
                var (gi, gl) = (images.to(device), lab.to(device));
                images.Dispose();
                lab.Dispose();
                (images, lab) = (gi, gl);
            }
            yield return new ImageBatch(images, lab, kept.ToArray());
        }
    }

    /// <summary>All items of <paramref name="source"/> as one tensor pair (small data sets, e.g. continual-learning streams).</summary>
    public static Zoo.Core.LabeledData ToLabeledData(IImageSource source, ImageTransform transform)
    {
        var imgs = new List<Tensor>();
        var labs = new List<Tensor>();
        foreach (var b in Enumerate(source, transform, 256))
        {
            imgs.Add(b.Images);
            labs.Add(b.Labels);
        }
        var data = new Zoo.Core.LabeledData(torch.cat(imgs, 0), torch.cat(labs, 0));
        foreach (var t in imgs.Concat(labs)) t.Dispose();
        return data;
    }
}
