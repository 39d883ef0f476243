using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class ClipTests
{
    private static readonly ImageInputSpec Spec = new(16, 16, 3, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    private static string _dir = "";

    [ClassInitialize]
    public static void Init(TestContext _) => _dir = RepoPaths.TempDir();

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static string FrameFolder(string name, params (int W, int H, byte Value)[] frames)
    {
        var dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        for (int i = 0; i < frames.Length; i++)
        {
            using var img = new Image<Rgb24>(frames[i].W, frames[i].H, new Rgb24(frames[i].Value, frames[i].Value, frames[i].Value));
            img.SaveAsPng(Path.Combine(dir, $"frame{i + 1}.png"));
        }
        return dir;
    }

    [TestMethod]
    public void FrameFolderInNaturalOrderSampledResizedAndNormalised()
    {
        // 12 frames named frame1..frame12 (frame10 must come after frame9), value = 20 * index.
        var frames = Enumerable.Range(0, 12).Select(i => (8, 8, (byte)(20 * i))).ToArray();
        var dir = FrameFolder("ordered", frames);
        Assert.AreEqual(12, VideoClip.CountFrames(dir));
        var x = VideoClip.Load(dir, Spec, SamplingMode.Uniform, 4);   // frames 1, 4, 7, 10 (0-based)
        Assert.HasCount(4 * 3 * 16 * 16, x);
        int per = 3 * 16 * 16;
        int[] expect = [1, 4, 7, 10];
        for (int t = 0; t < 4; t++)
            Close.Within((20 * expect[t] / 255f - 0.5f) / 0.5f, x[t * per + 5], 1e-5, $"frame {t}");
    }

    [TestMethod]
    public void AnimatedGifRoundTrip()
    {
        var digits = DigitsCsv.Load(RepoPaths.Digits);
        var (clips, labels) = MovingDigits.GenerateRaw(digits, 2, 6, 16, seed: 4);
        var path = Path.Combine(_dir, "moving.gif");
        MovingDigits.WriteGif(path, clips[0]);
        using var read = VideoClip.Read(path);
        Assert.AreEqual(6, read.Count);
        for (int t = 0; t < 6; t++)
        {
            double err = 0;
            for (int y = 0; y < 16; y++)
                for (int xx = 0; xx < 16; xx++) err = Math.Max(err, Math.Abs(read.Frames[t][xx, y].R - clips[0][t][y * 16 + xx]));
            Close.AtMost(16, err, $"frame {t}: GIF palette error {err}");
        }
        var loaded = VideoClip.Load(path, Spec, SamplingMode.Strided, 3, stride: 2);
        Assert.HasCount(3 * 3 * 16 * 16, loaded);
    }

    [TestMethod]
    public void TooFewFramesNamesTheClip()
    {
        var dir = FrameFolder("short", (8, 8, 0), (8, 8, 10));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Load(dir, Spec, SamplingMode.Uniform, 4));
        StringAssert.Contains(e.Message, dir);
        StringAssert.Contains(e.Message, "too few frames");
    }

    [TestMethod]
    public void MixedFrameSizesAreRejected()
    {
        var dir = FrameFolder("mixed", (8, 8, 0), (8, 8, 10), (9, 8, 20), (8, 8, 30));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Load(dir, Spec, SamplingMode.Uniform, 2));
        StringAssert.Contains(e.Message, "mixed sizes");
        StringAssert.Contains(e.Message, "frame3.png");
        Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Read(dir));
    }

    [TestMethod]
    public void UnreadableFilesAreClearErrors()
    {
        var gif = Path.Combine(_dir, "corrupt.gif");
        File.WriteAllBytes(gif, [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 2, 3]);   // "GIF89a" then garbage
        var e = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Read(gif));
        StringAssert.Contains(e.Message, gif);
        var junk = Path.Combine(_dir, "junk.webp");
        File.WriteAllText(junk, "not a video");
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Read(junk));
        StringAssert.Contains(e2.Message, "unreadable clip");
        var dir = FrameFolder("badframe", (8, 8, 0), (8, 8, 0));
        File.WriteAllText(Path.Combine(dir, "frame3.png"), "garbage");
        var e3 = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Load(dir, Spec, SamplingMode.Uniform, 2));
        StringAssert.Contains(e3.Message, "frame3.png");
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Read(empty)).Message, "no frame images");
        Assert.ThrowsExactly<FileNotFoundException>(() => VideoClip.Read(Path.Combine(_dir, "missing.gif")));
    }

    [TestMethod]
    public void ClipFolderDatasetSkipsOrRejectsBadClips()
    {
        var root = Path.Combine(_dir, "dataset");
        var digits = DigitsCsv.Load(RepoPaths.Digits);
        var (clips, labels) = MovingDigits.GenerateRaw(digits, 8, 5, 16, seed: 7, classes: 2);
        MovingDigits.SaveGifs(root, clips, labels);
        File.WriteAllText(Path.Combine(root, "right", "broken.gif"), "broken");
        var bad = new List<BadClip>();
        var ds = VideoFolderDataset.Load(root, Spec, SamplingMode.Uniform, 4, 2, skipBad: true, onBad: bad.Add);
        Assert.AreEqual(8, ds.Count);
        CollectionAssert.AreEqual(new[] { "left", "right" }, ds.ClassNames.ToArray());
        Assert.HasCount(1, bad);
        StringAssert.Contains(bad[0].Path, "broken.gif");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => VideoFolderDataset.Load(root, Spec, SamplingMode.Uniform, 4, 2));
        StringAssert.Contains(e.Message, "broken.gif");
        var (x, y) = ds.Batch([0, 1, 2]);
        CollectionAssert.AreEqual(new long[] { 3, 4, 3, 16, 16 }, x.shape);
        x.Dispose();
        y.Dispose();
    }

    [TestMethod]
    public void MovingDigitsMoveTheWayTheLabelSays()
    {
        var digits = DigitsCsv.Load(RepoPaths.Digits);
        var rng = new Random(0);
        (double X, double Y) Centroid(byte[] f, int s)
        {
            double m = 0, sx = 0, sy = 0;
            for (int i = 0; i < f.Length; i++) { m += f[i]; sx += f[i] * (i % s); sy += f[i] * (i / s); }
            return (sx / m, sy / m);
        }
        for (int action = 0; action < 4; action++)
        {
            var clip = MovingDigits.Render(digits.Pixels[3], action, 6, 32, rng);
            var (x0, y0) = Centroid(clip[0], 32);
            var (x1, y1) = Centroid(clip[^1], 32);
            var (dx, dy) = (x1 - x0, y1 - y0);
            switch (MovingDigits.Actions[action])
            {
                case "right": Close.Above(5, dx); break;
                case "left": Close.Below(-5, dx); break;
                case "down": Close.Above(5, dy); break;
                case "up": Close.Below(-5, dy); break;
            }
        }
        // Rotations keep the centroid roughly in place.
        var rot = MovingDigits.Render(digits.Pixels[3], 4, 6, 32, rng);
        var (a, b) = Centroid(rot[0], 32);
        var (c, d) = Centroid(rot[^1], 32);
        Close.Below(6, Math.Abs(c - a) + Math.Abs(d - b));
    }
}

[TestClass]
public sealed class WebpClipTests
{
    [TestMethod]
    public void AnimatedWebpFramesAreRead()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            var frames = Enumerable.Range(0, 5).Select(i => new Image<Rgb24>(8, 8, new Rgb24((byte)(50 * i), 0, 0))).ToList();
            var path = Path.Combine(dir, "clip.webp");
            AnimatedWebpWriter.Write(path, frames);
            foreach (var f in frames) f.Dispose();
            using var read = VideoClip.Read(path);
            Assert.AreEqual(5, read.Count, "animated WebP frame count");
            for (int i = 0; i < 5; i++) Assert.AreEqual(50 * i, read.Frames[i][3, 3].R, $"frame {i}");
            // A truncated animation names the file and the chunk.
            var bytes = File.ReadAllBytes(path);
            var cut = Path.Combine(dir, "cut.webp");
            File.WriteAllBytes(cut, bytes[..(bytes.Length - 20)]);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => VideoClip.Read(cut));
            StringAssert.Contains(e.Message, "cut.webp");
            StringAssert.Contains(e.Message, "ANMF");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
