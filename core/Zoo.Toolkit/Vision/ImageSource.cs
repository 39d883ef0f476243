using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Toolkit.Data;

namespace Zoo.Toolkit.Vision;

/// <summary>What to do with an image that cannot be decoded.</summary>
public enum BadImagePolicy
{
    /// <summary>Report it (by path) and leave it out.</summary>
    Skip,
    /// <summary>Stop with an error naming the file.</summary>
    Reject,
}

/// <summary>An image that was left out, with the reason.</summary>
public sealed record BadImage(string Path, string Reason);

/// <summary>A labelled collection of images read on demand (a folder tree, the digits CSV, a subset of either).</summary>
public interface IImageSource
{
    IReadOnlyList<string> ClassNames { get; }

    int Count { get; }

    /// <summary>Class index of item <paramref name="index"/> (-1 when unlabelled).</summary>
    int Label(int index);

    /// <summary>A name users recognise: the file path, or file:line for rows of a CSV.</summary>
    string Name(int index);

    /// <summary>Decodes item <paramref name="index"/>; null when it is unreadable and the policy is Skip (it is then reported).</summary>
    Image<Rgb24>? TryLoad(int index);
}

/// <summary>A view of some items of another source (a train or test split).</summary>
public sealed class SubsetSource(IImageSource inner, IReadOnlyList<int> indices) : IImageSource
{
    public IReadOnlyList<int> Indices { get; } = indices;

    public IReadOnlyList<string> ClassNames => inner.ClassNames;

    public int Count => Indices.Count;

    public int Label(int index) => inner.Label(Indices[index]);

    public string Name(int index) => inner.Name(Indices[index]);

    public Image<Rgb24>? TryLoad(int index) => inner.TryLoad(Indices[index]);
}

/// <summary>Splits and summaries.</summary>
public static class ImageSourceExtensions
{
    /// <summary>A stratified, seeded train/test split: about <paramref name="testFraction"/> of every class goes to test.</summary>
    public static (SubsetSource Train, SubsetSource Test) Split(this IImageSource source, double testFraction, int seed)
    {
        if (testFraction <= 0 || testFraction >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in (0, 1)");
        var (train, test) = StratifiedSplit.Indices(source.Count, source.Label, testFraction, seed);
        return (new SubsetSource(source, train), new SubsetSource(source, test));
    }

    /// <summary>Items per class.</summary>
    public static int[] ClassCounts(this IImageSource source)
    {
        var counts = new int[source.ClassNames.Count];
        for (int i = 0; i < source.Count; i++)
        {
            int l = source.Label(i);
            if (l >= 0) counts[l]++;
        }
        return counts;
    }
}
