using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Toolkit.Vision;

namespace Zoo.Toolkit.Data;

/// <summary>
/// The UCI digits (<see cref="DigitsCsv"/>) as an <see cref="IImageSource"/>: images served as grey RGB (value * 255 / 16);
/// the <see cref="ImageTransform"/> upsamples them to the model's input size.
/// </summary>
public sealed class DigitsDataset : IImageSource
{
    public const int Side = DigitsCsv.Side;
    public const int MaxValue = DigitsCsv.MaxValue;

    public DigitsDataset(DigitsCsv digits) => Digits = digits;

    public DigitsCsv Digits { get; }

    public string Path => Digits.Path;

    public IReadOnlyList<string> ClassNames => DigitsCsv.ClassNames;

    public int Count => Digits.Count;

    public int Label(int index) => Digits.Labels[index];

    public string Name(int index) => $"{Path}:line {Digits.Lines[index]}";

    /// <summary>Raw 8x8 values (0..16) of item <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Raw(int index) => Digits.Raw(index);

    public Image<Rgb24>? TryLoad(int index)
    {
        var img = new Image<Rgb24>(Side, Side);
        var px = Digits.Pixels[index];
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
            {
                byte v = (byte)Math.Round(px[y * Side + x] * 255.0 / MaxValue);
                img[x, y] = new Rgb24(v, v, v);
            }
        return img;
    }

    /// <summary>Is <paramref name="path"/> a digits CSV (rather than an image folder)?</summary>
    public static bool LooksLikeDigits(string path) => DigitsCsv.LooksLikeDigits(path);

    /// <summary>Reads the CSV (gzip when the name ends in .gz).</summary>
    public static DigitsDataset Load(string path) => new(DigitsCsv.Load(path));
}
