using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Plugins.ViViT.Tests;

/// <summary>
/// Writes an animated WebP by hand (RIFF "WEBP" with VP8X + ANIM + one ANMF per frame, each wrapping a lossless VP8L frame
/// encoded by ImageSharp), because ImageSharp 2.1.13's encoder writes only the first frame.
/// </summary>
internal static class AnimatedWebpWriter
{
    public static void Write(string path, IReadOnlyList<Image<Rgb24>> frames, int durationMs = 100)
    {
        int w = frames[0].Width, h = frames[0].Height;
        var body = new MemoryStream();
        void U24(Stream s, int v) { s.WriteByte((byte)v); s.WriteByte((byte)(v >> 8)); s.WriteByte((byte)(v >> 16)); }
        void U32(Stream s, int v) { U24(s, v); s.WriteByte((byte)(v >> 24)); }
        void Tag(Stream s, string t) { foreach (var c in t) s.WriteByte((byte)c); }
        Tag(body, "WEBP");
        Tag(body, "VP8X"); U32(body, 10); body.WriteByte(0x02); U24(body, 0); U24(body, w - 1); U24(body, h - 1);
        Tag(body, "ANIM"); U32(body, 6); U32(body, 0); body.WriteByte(0); body.WriteByte(0);
        foreach (var f in frames)
        {
            var one = new MemoryStream();
            f.SaveAsWebp(one, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
            var bytes = one.ToArray();
            var chunk = bytes[12..];   // the "VP8L" chunk (header, data, padding) after "RIFF....WEBP"
            Tag(body, "ANMF"); U32(body, 16 + chunk.Length);
            U24(body, 0); U24(body, 0); U24(body, w - 1); U24(body, h - 1); U24(body, durationMs); body.WriteByte(0);
            body.Write(chunk);
        }
        using var file = File.Create(path);
        Tag(file, "RIFF"); U32(file, (int)body.Length);
        body.Position = 0;
        body.CopyTo(file);
    }
}
