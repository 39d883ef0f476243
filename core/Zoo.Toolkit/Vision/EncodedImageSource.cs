using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Toolkit.Vision;

/// <summary>
/// Encoded images held in memory (PNG/JPEG/BMP/GIF bytes) with labels: lets a host that already has image bytes
/// (e.g. an ML.NET pipeline's image column) train or evaluate through <see cref="ImageClassifierTraining"/>.
/// </summary>
public sealed class EncodedImageSource : IImageSource
{
    private readonly IReadOnlyList<byte[]> _images;
    private readonly IReadOnlyList<int> _labels;
    private readonly IReadOnlyList<string>? _names;
    private readonly List<BadImage> _bad = [];

    public EncodedImageSource(IReadOnlyList<byte[]> images, IReadOnlyList<int> labels, IReadOnlyList<string> classNames,
        BadImagePolicy policy = BadImagePolicy.Skip, IReadOnlyList<string>? names = null)
    {
        if (images.Count != labels.Count) throw new ArgumentException($"{images.Count} images but {labels.Count} labels.");
        if (names != null && names.Count != images.Count) throw new ArgumentException($"{images.Count} images but {names.Count} names.");
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < -1 || labels[i] >= classNames.Count)
                throw new ArgumentException($"{names?[i] ?? $"row {i}"}: label {labels[i]} is outside 0..{classNames.Count - 1} (or -1 for unlabelled).");
        _images = images;
        _labels = labels;
        _names = names;
        ClassNames = classNames;
        Policy = policy;
    }

    public IReadOnlyList<string> ClassNames { get; }

    public BadImagePolicy Policy { get; }

    public IReadOnlyList<BadImage> BadImages => _bad;

    public int Count => _images.Count;

    public int Label(int index) => _labels[index];

    public string Name(int index) => _names?[index] ?? $"row {index}";

    public Image<Rgb24>? TryLoad(int index)
    {
        try
        {
            return Image.Load<Rgb24>(_images[index]);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (Policy == BadImagePolicy.Reject) throw new InvalidDataException($"{Name(index)}: cannot decode the image ({ex.Message}).", ex);
            if (!_bad.Any(b => b.Path == Name(index))) _bad.Add(new BadImage(Name(index), ex.Message));
            return null;
        }
    }
}
