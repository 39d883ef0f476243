using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Plugins.ViViT.Data;

/// <summary>
/// Animated WebP frames. SixLabors.ImageSharp 2.1.13 decodes single WebP images but throws "Animated webp are not yet
/// supported" for animations (and the project pins 2.x), so this demuxes the RIFF container itself (VP8X + ANIM + ANMF
/// chunks, per the WebP container specification), wraps each frame's bitstream (VP8/VP8L, optional ALPH) as a standalone
/// WebP for ImageSharp to decode, and composites the frames on the canvas (offsets, alpha blending, dispose-to-background).
/// </summary>
public static class AnimatedWebp
{
    /// <summary>Is this a WebP file whose VP8X header has the animation flag?</summary>
    public static bool IsAnimated(ReadOnlySpan<byte> b) =>
        b.Length >= 30 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8)
        && b.Slice(12, 4).SequenceEqual("VP8X"u8) && (b[20] & 0x02) != 0;

    /// <summary>Decodes every frame of an animated WebP as a full canvas.</summary>
    public static List<Image<Rgb24>> Decode(byte[] b, string path)
    {
        int canvasW = 0, canvasH = 0;
        var canvas = Array.Empty<Rgba32>();
        var frames = new List<Image<Rgb24>>();
        try
        {
            int pos = 12;
            while (pos + 8 <= b.Length)
            {
                string tag = System.Text.Encoding.ASCII.GetString(b, pos, 4);
                long size = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos + 4));
                if (pos + 8 + size > b.Length)
                    throw new InvalidDataException($"{path}: unreadable clip (WebP chunk {tag} at byte {pos} claims {size} bytes, the file ends first).");
                var data = b.AsSpan(pos + 8, (int)size);
                if (tag == "VP8X")
                {
                    canvasW = U24(data, 4) + 1;
                    canvasH = U24(data, 7) + 1;
                    canvas = new Rgba32[canvasW * canvasH];
                }
                else if (tag == "ANMF")
                {
                    if (canvasW == 0) throw new InvalidDataException($"{path}: unreadable clip (ANMF frame before the VP8X header).");
                    if (data.Length < 24) throw new InvalidDataException($"{path}: unreadable clip (ANMF chunk at byte {pos} is too short).");
                    int x0 = U24(data, 0) * 2, y0 = U24(data, 3) * 2, fw = U24(data, 6) + 1, fh = U24(data, 9) + 1;
                    bool dispose = (data[15] & 0x01) != 0, noBlend = (data[15] & 0x02) != 0;
                    using var frame = DecodeFrame(data[16..], path, frames.Count);
                    if (frame.Width != fw || frame.Height != fh || x0 + fw > canvasW || y0 + fh > canvasH)
                        throw new InvalidDataException($"{path}: unreadable frame {frames.Count} " +
                            $"({frame.Width}x{frame.Height} at ({x0}, {y0}) does not fit the {canvasW}x{canvasH} canvas).");
                    for (int y = 0; y < fh; y++)
                        for (int x = 0; x < fw; x++)
                        {
                            var src = frame[x, y];
                            ref var dst = ref canvas[(y0 + y) * canvasW + x0 + x];
                            if (noBlend || src.A == 255 || dst.A == 0) dst = src;
                            else if (src.A > 0)
                            {
                                float a = src.A / 255f;
                                dst = new Rgba32((byte)(src.R * a + dst.R * (1 - a)), (byte)(src.G * a + dst.G * (1 - a)),
                                    (byte)(src.B * a + dst.B * (1 - a)), 255);
                            }
                        }
                    var img = new Image<Rgb24>(canvasW, canvasH);
                    for (int y = 0; y < canvasH; y++)
                        for (int x = 0; x < canvasW; x++)
                        {
                            var p = canvas[y * canvasW + x];
                            img[x, y] = new Rgb24((byte)(p.R * p.A / 255), (byte)(p.G * p.A / 255), (byte)(p.B * p.A / 255));
                        }
                    frames.Add(img);
                    if (dispose)
                        for (int y = 0; y < fh; y++) Array.Clear(canvas, (y0 + y) * canvasW + x0, fw);
                }
                pos += 8 + (int)size + (int)(size & 1);
            }
        }
        catch
        {
            foreach (var f in frames) f.Dispose();
            throw;
        }
        return frames;
    }

    private static int U24(ReadOnlySpan<byte> d, int i) => d[i] | (d[i + 1] << 8) | (d[i + 2] << 16);

    /// <summary>Wraps a frame's chunks (ALPH? then VP8/VP8L) as a standalone WebP and decodes it.</summary>
    private static Image<Rgba32> DecodeFrame(ReadOnlySpan<byte> chunks, string path, int index)
    {
        bool alpha = chunks.Length >= 4 && chunks[..4].SequenceEqual("ALPH"u8);
        using var ms = new MemoryStream();
        ms.Write("RIFF"u8);
        ms.Write(new byte[4]);
        ms.Write("WEBP"u8);
        if (alpha)
        {
            // Lossy frames with alpha need a VP8X header; its canvas is the frame's size (read from the VP8 bitstream by ImageSharp, so re-derive it here).
            var (w, h) = Vp8Size(chunks, path, index);
            ms.Write("VP8X"u8);
            ms.Write([10, 0, 0, 0, 0x10, 0, 0, 0]);
            ms.Write([(byte)(w - 1), (byte)((w - 1) >> 8), (byte)((w - 1) >> 16), (byte)(h - 1), (byte)((h - 1) >> 8), (byte)((h - 1) >> 16)]);
        }
        ms.Write(chunks);
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        try
        {
            return Image.Load<Rgba32>(bytes);
        }
        catch (Exception ex) when (ex is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: unreadable frame {index} ({ex.Message}).", ex);
        }
    }

    private static (int W, int H) Vp8Size(ReadOnlySpan<byte> chunks, string path, int index)
    {
        int pos = 0;
        while (pos + 8 <= chunks.Length)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(chunks[(pos + 4)..]);
            if (chunks.Slice(pos, 4).SequenceEqual("VP8 "u8) && pos + 8 + 10 <= chunks.Length)
            {
                var d = chunks[(pos + 8)..];
                return (BinaryPrimitives.ReadUInt16LittleEndian(d[6..]) & 0x3fff, BinaryPrimitives.ReadUInt16LittleEndian(d[8..]) & 0x3fff);
            }
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path}: unreadable frame {index} (ALPH chunk without a VP8 bitstream).");
    }
}
