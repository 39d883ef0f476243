namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class FrameSamplingTests
{
    [TestMethod]
    public void UniformTakesSegmentCentres()
    {
        CollectionAssert.AreEqual(new[] { 2, 6, 10, 14 }, FrameSampling.Uniform(16, 4));
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, FrameSampling.Uniform(5, 5));
        CollectionAssert.AreEqual(new[] { 1, 5, 8 }, FrameSampling.Uniform(10, 3));   // floor((2i + 1) * 10 / 6)
    }

    [TestMethod]
    public void UniformJitterStaysInsideItsSegment()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var idx = FrameSampling.Uniform(37, 8, rng);
            for (int i = 0; i < 8; i++)
            {
                int start = i * 37 / 8, end = (i + 1) * 37 / 8;
                Assert.IsTrue(idx[i] >= start && idx[i] < end, $"frame {idx[i]} of segment {i} outside [{start}, {end})");
            }
        }
    }

    [TestMethod]
    public void StridedIsCentredAndJittered()
    {
        CollectionAssert.AreEqual(new[] { 4, 6, 8, 10 }, FrameSampling.Strided(16, 4, 2));   // span 7, slack 9, start 9 / 2 = 4
        var rng = new Random(1);
        for (int trial = 0; trial < 100; trial++)
        {
            var idx = FrameSampling.Strided(20, 5, 3, rng);
            Assert.IsTrue(idx[0] >= 0 && idx[^1] < 20);
            for (int i = 1; i < idx.Length; i++) Assert.AreEqual(3, idx[i] - idx[i - 1]);
        }
        CollectionAssert.AreEqual(new[] { 0, 3, 6 }, FrameSampling.Strided(7, 3, 3));
    }

    [TestMethod]
    public void TooFewFramesIsAClearError()
    {
        var e1 = Assert.ThrowsExactly<InvalidDataException>(() => FrameSampling.Sample(SamplingMode.Uniform, 3, 8, clip: "a.gif"));
        StringAssert.Contains(e1.Message, "a.gif");
        StringAssert.Contains(e1.Message, "too few frames");
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => FrameSampling.Sample(SamplingMode.Strided, 6, 4, 2, clip: "b"));
        StringAssert.Contains(e2.Message, "need 7");
    }
}
