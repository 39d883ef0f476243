using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Zoo.Plugins.Tnt.Tests;

[TestClass]
public sealed class ImagePipelineTests
{
    private static readonly ImageInputSpec Rgb16 = new(16, 16, 3, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>root/cat (png, jpg, bmp) and root/dog (gif, png), plus a corrupt png, a truncated png and a text file.</summary>
    private static string MakeFolder(out string corrupt, out string truncated)
    {
        var root = RepoPaths.TempDir();
        Directory.CreateDirectory(Path.Combine(root, "cat"));
        Directory.CreateDirectory(Path.Combine(root, "dog"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        using (var red = new Image<Rgb24>(20, 10, new Rgb24(255, 0, 0)))
        {
            red.SaveAsPng(Path.Combine(root, "cat", "a.png"));
            red.SaveAsJpeg(Path.Combine(root, "cat", "b.jpg"));
            red.SaveAsBmp(Path.Combine(root, "cat", "c.bmp"));
        }
        using (var blue = new Image<Rgb24>(8, 8, new Rgb24(0, 0, 255)))
        {
            blue.SaveAsGif(Path.Combine(root, "dog", "d.gif"));
            blue.SaveAsPng(Path.Combine(root, "dog", "e.png"));
        }
        corrupt = Path.Combine(root, "dog", "corrupt.png");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        truncated = Path.Combine(root, "cat", "truncated.png");
        var full = File.ReadAllBytes(Path.Combine(root, "cat", "a.png"));
        File.WriteAllBytes(truncated, full[..(full.Length / 2)]);
        File.WriteAllText(Path.Combine(root, "cat", "notes.txt"), "not an image");
        return root;
    }

    [TestMethod]
    public void FolderPerClassFindsClassesAndSkipsBadImagesByPath()
    {
        var root = MakeFolder(out var corrupt, out var truncated);
        try
        {
            var reported = new List<BadImage>();
            var ds = ImageFolderDataset.Open(root, BadImagePolicy.Skip, validate: true, onBadImage: reported.Add);
            CollectionAssert.AreEqual(new[] { "cat", "dog" }, ds.ClassNames.ToArray());   // "empty" has no images
            Assert.AreEqual(5, ds.Count);
            CollectionAssert.AreEqual(new[] { 3, 2 }, ds.ClassCounts());
            CollectionAssert.AreEquivalent(new[] { corrupt, truncated }, reported.Select(b => b.Path).ToArray());
            Assert.HasCount(2, ds.BadImages);
        }
        finally { Directory.Delete(root, true); }
    }

    [TestMethod]
    public void RejectPolicyNamesTheBadFile()
    {
        var root = MakeFolder(out var corrupt, out _);
        try
        {
            File.Delete(Path.Combine(root, "cat", "truncated.png"));
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderDataset.Open(root, BadImagePolicy.Reject));
            StringAssert.Contains(ex.Message, corrupt);
        }
        finally { Directory.Delete(root, true); }
    }

    [TestMethod]
    public void ImagesThatBreakAfterTheScanAreSkippedInBatches()
    {
        var root = MakeFolder(out var corrupt, out var truncated);
        try
        {
            File.Delete(corrupt);
            File.Delete(truncated);
            var reported = new List<BadImage>();
            var ds = ImageFolderDataset.Open(root, BadImagePolicy.Skip, validate: true, onBadImage: reported.Add);
            Assert.AreEqual(5, ds.Count);
            var victim = Path.Combine(root, "cat", "b.jpg");
            File.WriteAllText(victim, "garbage");   // breaks after validation
            var batches = ImageBatches.Enumerate(ds, ImageTransform.Eval(Rgb16), 4).ToList();
            try
            {
                Assert.AreEqual(4, batches.Sum(b => (int)b.Labels.shape[0]));
                CollectionAssert.AreEqual(new long[] { 3, 3, 16, 16 }, batches[0].Images.shape);
                Assert.AreEqual(victim, reported.Single().Path);
            }
            finally { foreach (var b in batches) b.Dispose(); }
        }
        finally { Directory.Delete(root, true); }
    }

    [TestMethod]
    public void UnknownClassFolderIsAnErrorForATrainedModel()
    {
        var root = MakeFolder(out _, out _);
        try
        {
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => ImageFolderDataset.Open(root, classNames: ["cat", "bird"]));
            StringAssert.Contains(ex.Message, "'dog'");
            Assert.ThrowsExactly<DirectoryNotFoundException>(() => ImageFolderDataset.Open(Path.Combine(root, "nope")));
        }
        finally { Directory.Delete(root, true); }
    }

    [TestMethod]
    public void ResizeAndNormaliseGiveExpectedValues()
    {
        using var img = new Image<Rgb24>(40, 20, new Rgb24(255, 0, 51));
        var t = ImageTransform.Eval(new ImageInputSpec(16, 16, 3, [0.5f, 0.25f, 0.2f], [0.5f, 0.25f, 0.1f]));
        var buf = new float[t.FloatsPerImage];
        t.Apply(img, buf);
        Assert.AreEqual(16, img.Width);
        Assert.AreEqual(16, img.Height);
        // (1 - .5)/.5 = 1, (0 - .25)/.25 = -1, (0.2 - 0.2)/0.1 = 0.
        Close.Within(1f, buf[0], 1e-5);
        Close.Within(-1f, buf[256 + 17], 1e-5);
        Close.Within(0f, buf[2 * 256 + 255], 1e-5);
        // Grey model: luma of pure red.
        using var img2 = new Image<Rgb24>(16, 16, new Rgb24(255, 0, 0));
        var g = ImageTransform.Eval(new ImageInputSpec(16, 16, 1, [0f], [1f]));
        var gb = new float[256];
        g.Apply(img2, gb);
        Close.Within(0.299f, gb[5], 1e-4);
    }

    [TestMethod]
    public void RandomCropShiftsAndFlipMirrors()
    {
        // A left-half-white image: flipping moves the white half right; cropping with padding translates it.
        Image<Rgb24> Make()
        {
            var im = new Image<Rgb24>(16, 16, new Rgb24(0, 0, 0));
            for (int y = 0; y < 16; y++) for (int x = 0; x < 8; x++) im[x, y] = new Rgb24(255, 255, 255);
            return im;
        }
        var flipOnly = new ImageTransform(Rgb16) { HorizontalFlip = true };
        var rng = new Random(0);
        int flipped = 0, kept = 0;
        for (int i = 0; i < 20; i++)
        {
            using var im = Make();
            var buf = new float[flipOnly.FloatsPerImage];
            flipOnly.Apply(im, buf, rng);
            if (buf[0] < 0 && buf[15] > 0) flipped++;
            else if (buf[0] > 0 && buf[15] < 0) kept++;
            else Assert.Fail("flip must mirror exactly");
        }
        Assert.IsGreaterThan(0, flipped);
        Assert.IsGreaterThan(0, kept);
        var crop = new ImageTransform(Rgb16) { RandomCrop = true, CropPadding = 2 };
        var offsets = new HashSet<int>();
        for (int i = 0; i < 30; i++)
        {
            using var im = Make();
            var buf = new float[crop.FloatsPerImage];
            crop.Apply(im, buf, rng);
            // Row 8: first column that is white tells the horizontal shift.
            int firstWhite = Enumerable.Range(0, 16).First(x => buf[8 * 16 + x] > 0);
            int lastWhite = Enumerable.Range(0, 16).Last(x => buf[8 * 16 + x] > 0);
            offsets.Add(lastWhite - firstWhite);
        }
        Assert.IsGreaterThan(1, offsets.Count, "random crops must translate the content");
        // Eval transform is deterministic.
        using var a = Make();
        using var b = Make();
        var ba = new float[768]; var bb = new float[768];
        ImageTransform.Eval(Rgb16).Apply(a, ba, rng);
        ImageTransform.Eval(Rgb16).Apply(b, bb, rng);
        CollectionAssert.AreEqual(ba, bb);
    }

    [TestMethod]
    public void DigitsLoadUpsampleAndSplit()
    {
        var ds = DigitsDataset.Load(RepoPaths.Digits);
        Assert.AreEqual(1797, ds.Count);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), ds.ClassNames.ToArray());
        Assert.IsTrue(ds.ClassCounts().All(c => c > 150));
        // First row: 0,0,5,13,9,1,0,0 ... label 0.
        Assert.AreEqual(0, ds.Label(0));
        Assert.AreEqual(13, ds.Raw(0)[3]);
        StringAssert.EndsWith(ds.Name(0), ":line 1");
        var (train, test) = ds.Split(0.2, seed: 1);
        Assert.AreEqual(ds.Count, train.Count + test.Count);
        Assert.IsEmpty(train.Indices.Intersect(test.Indices));
        var testCounts = test.ClassCounts();
        var allCounts = ds.ClassCounts();
        for (int c = 0; c < 10; c++) Close.Within(allCounts[c] * 0.2, testCounts[c], 1.0);
        var spec = TntConfig.Tiny().InputSpec();
        using var batch = ImageBatches.Enumerate(test, ImageTransform.Eval(spec), 8).First();
        CollectionAssert.AreEqual(new long[] { 8, 3, 32, 32 }, batch.Images.shape);
        Assert.AreEqual(ScalarType.Int64, batch.Labels.dtype);
        // Grey: all three channels equal; values span the normalised range [-1, 1].
        Close.Within(0f, (batch.Images.select(1, 0) - batch.Images.select(1, 2)).abs().max().item<float>(), 1e-6f);
        Close.Below(-0.9f, batch.Images.min().item<float>());
        Close.Above(0.9f, batch.Images.max().item<float>());
    }

    [TestMethod]
    public void MalformedDigitsCsvNamesLineAndColumn()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            var good = string.Join(",", Enumerable.Repeat("0", 64)) + ",3";
            var p1 = Path.Combine(dir, "short.csv");
            File.WriteAllLines(p1, [good, "1,2,3"]);
            var e1 = Assert.ThrowsExactly<InvalidDataException>(() => DigitsDataset.Load(p1));
            StringAssert.Contains(e1.Message, p1);
            StringAssert.Contains(e1.Message, "line 2");
            var p2 = Path.Combine(dir, "range.csv");
            File.WriteAllLines(p2, [good, string.Join(",", Enumerable.Repeat("0", 10)) + ",17," + string.Join(",", Enumerable.Repeat("0", 53)) + ",1"]);
            var e2 = Assert.ThrowsExactly<InvalidDataException>(() => DigitsDataset.Load(p2));
            StringAssert.Contains(e2.Message, "line 2, column 11");
            var p3 = Path.Combine(dir, "text.csv");
            File.WriteAllLines(p3, [string.Join(",", Enumerable.Repeat("0", 64)) + ",x"]);
            var e3 = Assert.ThrowsExactly<InvalidDataException>(() => DigitsDataset.Load(p3));
            StringAssert.Contains(e3.Message, "line 1, column 65");
            var p4 = Path.Combine(dir, "bad.csv.gz");
            File.WriteAllBytes(p4, [1, 2, 3, 4]);
            var e4 = Assert.ThrowsExactly<InvalidDataException>(() => DigitsDataset.Load(p4));
            StringAssert.Contains(e4.Message, p4);
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void DecodeImageBytesMatchesTheFolderPipeline()
    {
        using var img = new Image<Rgb24>(24, 24, new Rgb24(10, 200, 30));
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        using var t = ImageClassifierCheckpoint.DecodeImage(ms.ToArray(), Rgb16);
        CollectionAssert.AreEqual(new long[] { 3, 16, 16 }, t.shape);
        Close.Within((200 / 255f - 0.5f) / 0.5f, t[1, 3, 3].item<float>(), 1e-5);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ImageClassifierCheckpoint.DecodeImage(new byte[] { 1, 2, 3 }, Rgb16, "upload.png"));
        StringAssert.Contains(ex.Message, "upload.png");
    }
}
