using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Zoo.Core;

namespace Zoo.Toolkit.Vision;

/// <summary>
/// Preprocessing of one image: resize to the model's square input, optional random crop (pad then crop: a random
/// translation of up to <see cref="CropPadding"/> pixels) and horizontal flip for training, then per-channel
/// normalisation (x/255 - mean) / std into CHW floats.
/// </summary>
public sealed record ImageTransform(ImageInputSpec Spec)
{
    /// <summary>Training: pad by <see cref="CropPadding"/> on every side and crop a random window of the input size.</summary>
    public bool RandomCrop { get; init; }

    /// <summary>Pixels of padding for the random crop (0: none).</summary>
    public int CropPadding { get; init; }

    /// <summary>Training: flip left-right with probability 1/2 (off for digits: a mirrored digit is another glyph).</summary>
    public bool HorizontalFlip { get; init; }

    public int Size => Spec.Height;

    public int FloatsPerImage => Spec.Channels * Spec.Height * Spec.Width;

    /// <summary>The deterministic (evaluation) transform for <paramref name="spec"/>.</summary>
    public static ImageTransform Eval(ImageInputSpec spec) => new(spec);

    /// <summary>The training transform: random crop with padding of 1/8 of the size, optional flip.</summary>
    public static ImageTransform Train(ImageInputSpec spec, bool flip) =>
        new(spec) { RandomCrop = true, CropPadding = Math.Max(1, spec.Height / 8), HorizontalFlip = flip };

    /// <summary>Applies the geometric steps in place (resize, crop, flip); <paramref name="rng"/> is needed only when random steps are on.</summary>
    public void Geometry(Image<Rgb24> image, Random? rng)
    {
        int h = Spec.Height, w = Spec.Width;
        image.Mutate(ctx =>
        {
            if (image.Width != w || image.Height != h) ctx.Resize(new ResizeOptions { Size = new Size(w, h), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Bicubic });
            if (RandomCrop && CropPadding > 0 && rng != null)
            {
                int p = CropPadding;
                int dx = rng.Next(0, 2 * p + 1), dy = rng.Next(0, 2 * p + 1);
                ctx.Pad(w + 2 * p, h + 2 * p, Color.Black).Crop(new Rectangle(dx, dy, w, h));
            }
            if (HorizontalFlip && rng != null && rng.Next(2) == 1) ctx.Flip(FlipMode.Horizontal);
        });
    }

    /// <summary>Resizes/augments <paramref name="image"/> (mutated) and writes normalised CHW floats into <paramref name="destination"/>.</summary>
    public void Apply(Image<Rgb24> image, Span<float> destination, Random? rng = null)
    {
        if (destination.Length != FloatsPerImage) throw new ArgumentException($"destination holds {destination.Length} floats, need {FloatsPerImage}.");
        Geometry(image, rng);
        int hw = Spec.Height * Spec.Width;
        var pixels = new Rgb24[hw];
        image.CopyPixelDataTo(pixels);
        var mean = Spec.Mean;
        var std = Spec.Std;
        if (Spec.Channels == 3)
        {
            float m0 = mean[0], m1 = mean[1], m2 = mean[2], s0 = 1f / std[0], s1 = 1f / std[1], s2 = 1f / std[2];
            for (int i = 0; i < hw; i++)
            {
                var px = pixels[i];
                destination[i] = (px.R / 255f - m0) * s0;
                destination[hw + i] = (px.G / 255f - m1) * s1;
                destination[2 * hw + i] = (px.B / 255f - m2) * s2;
            }
        }
        else if (Spec.Channels == 1)
        {
            // Luma (ITU-R BT.601 weights) for single-channel models.
            float m0 = mean[0], s0 = 1f / std[0];
            for (int i = 0; i < hw; i++)
            {
                var px = pixels[i];
                destination[i] = ((0.299f * px.R + 0.587f * px.G + 0.114f * px.B) / 255f - m0) * s0;
            }
        }
        else
        {
            throw new NotSupportedException($"Images with {Spec.Channels} channels are not supported (1 or 3).");
        }
    }
}
