using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Zoo.Core;

namespace Zoo.Plugins.ViViT.Data;

/// <summary>
/// A video clip on disk: a folder of frame images (sorted by name, numbers compared as numbers) or an animated GIF/WebP
/// file, decoded with SixLabors.ImageSharp. Bad clips (missing, unreadable, no or too few frames, frames of mixed sizes)
/// are <see cref="InvalidDataException"/>s naming the clip (and the frame file) and the problem.
/// </summary>
public static class VideoClip
{
    public static readonly string[] FrameExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga", ".tif", ".tiff"];

    public static readonly string[] AnimatedExtensions = [".gif", ".webp"];

    /// <summary>Is <paramref name="path"/> a clip (a folder, or an animated image file)?</summary>
    public static bool IsClip(string path) => Directory.Exists(path) ||
        (File.Exists(path) && AnimatedExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()));

    /// <summary>The number of frames of a clip, without decoding pixels of a frame folder.</summary>
    public static int CountFrames(string path)
    {
        if (Directory.Exists(path)) return FrameFiles(path).Count;
        using var frames = Read(path);
        return frames.Count;
    }

    /// <summary>Decodes every frame of a clip (all the same size).</summary>
    public static ClipFrames Read(string path)
    {
        if (Directory.Exists(path))
        {
            var files = FrameFiles(path);
            if (files.Count == 0) throw new InvalidDataException($"{path}: the clip folder has no frame images ({string.Join(", ", FrameExtensions)}).");
            return ReadFrames(path, files, Enumerable.Range(0, files.Count).ToArray());
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: clip not found (a clip is a folder of frames or an animated .gif/.webp).", path);
        if (Path.GetExtension(path).Equals(".webp", StringComparison.OrdinalIgnoreCase))
        {
            var bytes = File.ReadAllBytes(path);
            if (AnimatedWebp.IsAnimated(bytes))
            {
                var decoded = AnimatedWebp.Decode(bytes, path);
                if (decoded.Count == 0) throw new InvalidDataException($"{path}: the animated WebP has no frames.");
                return new ClipFrames(path, decoded);
            }
        }
        Image<Rgb24> anim;
        try
        {
            anim = Image.Load<Rgb24>(path);
        }
        catch (Exception ex) when (Unreadable(ex))
        {
            throw new InvalidDataException($"{path}: unreadable clip ({ex.Message}).", ex);
        }
        using (anim)
        {
            var list = new List<Image<Rgb24>>(anim.Frames.Count);
            try
            {
                for (int i = 0; i < anim.Frames.Count; i++) list.Add(anim.Frames.CloneFrame(i));
            }
            catch (Exception ex) when (ex is InvalidImageContentException or ImageFormatException)
            {
                foreach (var f in list) f.Dispose();
                throw new InvalidDataException($"{path}: unreadable frame {list.Count} ({ex.Message}).", ex);
            }
            return new ClipFrames(path, list);
        }
    }

    /// <summary>Reads n_t sampled frames of a clip, resized to the spatial encoder's input and normalised: [n_t, C, H, W] floats.</summary>
    public static float[] Load(string path, ImageInputSpec spec, SamplingMode mode, int frames, int stride = 2, Random? random = null)
    {
        if (Directory.Exists(path))
        {
            // Only the sampled frame files are decoded, but every frame's size is checked from its header.
            var files = FrameFiles(path);
            if (files.Count == 0) throw new InvalidDataException($"{path}: the clip folder has no frame images ({string.Join(", ", FrameExtensions)}).");
            CheckSameSize(path, files);
            var idx = FrameSampling.Sample(mode, files.Count, frames, stride, random, path);
            using var clip = ReadFrames(path, files, idx);
            return ClipTensor(clip.Frames, spec);
        }
        using var all = Read(path);
        var pick = FrameSampling.Sample(mode, all.Count, frames, stride, random, path);
        return ClipTensor(pick.Select(i => all.Frames[i]).ToArray(), spec);
    }

    /// <summary>Frames resized (bilinear) to the spec and normalised per channel ((x/255 - mean) / std); grey when the spec has 1 channel.</summary>
    public static float[] ClipTensor(IReadOnlyList<Image<Rgb24>> frames, ImageInputSpec spec)
    {
        int c = spec.Channels, h = spec.Height, w = spec.Width, per = c * h * w;
        if (c != 1 && c != 3) throw new NotSupportedException($"Spatial encoders with {c} input channels are not supported (1 or 3).");
        var buf = new float[frames.Count * per];
        for (int t = 0; t < frames.Count; t++)
        {
            var resize = new ResizeOptions { Size = new Size(w, h), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Triangle };
            using var img = frames[t].Width == w && frames[t].Height == h ? frames[t].Clone() : frames[t].Clone(x => x.Resize(resize));
            int off = t * per;
            img.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < h; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < w; x++)
                    {
                        var p = row[x];
                        if (c == 1)
                        {
                            float g = (0.299f * p.R + 0.587f * p.G + 0.114f * p.B) / 255f;
                            buf[off + y * w + x] = (g - spec.Mean[0]) / spec.Std[0];
                        }
                        else
                        {
                            buf[off + y * w + x] = (p.R / 255f - spec.Mean[0]) / spec.Std[0];
                            buf[off + h * w + y * w + x] = (p.G / 255f - spec.Mean[1]) / spec.Std[1];
                            buf[off + 2 * h * w + y * w + x] = (p.B / 255f - spec.Mean[2]) / spec.Std[2];
                        }
                    }
                }
            });
        }
        return buf;
    }

    /// <summary>Frame image files of a clip folder in natural order (frame2 before frame10).</summary>
    public static IReadOnlyList<string> FrameFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => FrameExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()) && !Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => Path.GetFileName(f), NaturalComparer.Instance)
            .ToArray();

    private static void CheckSameSize(string clip, IReadOnlyList<string> files)
    {
        Size? first = null;
        string firstName = "";
        foreach (var f in files)
        {
            IImageInfo? info;
            try
            {
                info = Image.Identify(f);
            }
            catch (Exception ex) when (ex is InvalidImageContentException or ImageFormatException or NotSupportedException or IOException)
            {
                throw new InvalidDataException($"{clip}: unreadable frame {Path.GetFileName(f)} ({ex.Message}).", ex);
            }
            if (info is null) throw new InvalidDataException($"{clip}: unreadable frame {Path.GetFileName(f)} (not a known image format).");
            var size = new Size(info.Width, info.Height);
            if (first is null)
            {
                first = size;
                firstName = Path.GetFileName(f);
            }
            else if (size != first)
                throw new InvalidDataException($"{clip}: frames of mixed sizes: {Path.GetFileName(f)} is {size.Width}x{size.Height} " +
                    $"but {firstName} is {first.Value.Width}x{first.Value.Height}.");
        }
    }

    private static ClipFrames ReadFrames(string clip, IReadOnlyList<string> files, int[] indices)
    {
        var list = new List<Image<Rgb24>>(indices.Length);
        try
        {
            foreach (var i in indices)
            {
                var f = files[i];
                Image<Rgb24> img;
                try
                {
                    img = Image.Load<Rgb24>(f);
                }
                catch (Exception ex) when (Unreadable(ex))
                {
                    throw new InvalidDataException($"{clip}: unreadable frame {Path.GetFileName(f)} ({ex.Message}).", ex);
                }
                if (list.Count > 0 && (img.Width != list[0].Width || img.Height != list[0].Height))
                {
                    var msg = $"{clip}: frames of mixed sizes: {Path.GetFileName(f)} is {img.Width}x{img.Height} " +
                        $"but {Path.GetFileName(files[indices[0]])} is {list[0].Width}x{list[0].Height}.";
                    img.Dispose();
                    throw new InvalidDataException(msg);
                }
                list.Add(img);
            }
            return new ClipFrames(clip, list);
        }
        catch
        {
            foreach (var img in list) img.Dispose();
            throw;
        }
    }

    /// <summary>The errors that mean "this image file cannot be read" (not a bug).</summary>
    private static bool Unreadable(Exception ex) =>
        ex is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or NotSupportedException or IOException;
}

/// <summary>Decoded frames of one clip (disposes them).</summary>
public sealed class ClipFrames(string path, List<Image<Rgb24>> frames) : IDisposable
{
    public string Path { get; } = path;

    public IReadOnlyList<Image<Rgb24>> Frames => frames;

    public int Count => frames.Count;

    public void Dispose()
    {
        foreach (var f in frames) f.Dispose();
        frames.Clear();
    }
}
