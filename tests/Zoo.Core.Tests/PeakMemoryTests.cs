using TorchSharp;

namespace Zoo.Core.Tests;

[TestClass]
public sealed class PeakMemoryTests
{
    [TestMethod]
    public void SeesATemporaryAllocationAfterItIsFreed()
    {
        var big = PeakMemory.MeasureBytes(() =>
        {
            using var t = torch.ones(64L * 1024 * 1024);   // 256 MiB of float32, touched, then freed
        });
        Assert.IsGreaterThan(200L * 1024 * 1024, big, $"peak {big / 1048576.0:F0} MiB");

        var small = PeakMemory.MeasureBytes(() =>
        {
            using var t = torch.ones(1024);
        });
        Assert.IsLessThan(big / 2, small, $"peak {small / 1048576.0:F0} MiB for 4 KiB");
    }
}
