using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Core.Tests;

[TestClass]
public sealed class TorchRuntimeTests
{
    [TestMethod]
    public void TensorOpAndBackwardRunOnThisMachine()
    {
        // Loads libLibTorchSharp.so (patched at build time for Debian 12's libstdc++) and runs autograd.
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var w = torch.tensor(new float[] { 0.5f, -1, 2 });
        var y = (x * x * w).sum();   // dy/dx = 2 x w
        y.backward();
        CollectionAssert.AreEqual(new float[] { 1, -4, 12 }, x.grad!.data<float>().ToArray());
        Close.Within(0.5f - 4 + 18, y.item<float>(), 1e-6f, "sum(x * x * w)");
    }

    [TestMethod]
    public void MatmulMatchesHandComputedProduct()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var b = torch.tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        CollectionAssert.AreEqual(new float[] { 19, 22, 43, 50 }, a.matmul(b).data<float>().ToArray());
    }

    [TestMethod]
    public void CudaRequestWithoutCudaGivesClearError()
    {
        if (torch.cuda.is_available()) Assert.Inconclusive("CUDA is present on this machine.");
        var ex = Assert.ThrowsExactly<CudaUnavailableException>(() => ZooDevices.Parse("cuda"));
        StringAssert.Contains(ex.Message, "CUDA was requested");
        StringAssert.Contains(ex.Message, "TorchBackend");
        Assert.AreEqual(DeviceType.CPU, ZooDevices.Parse("cpu").type);
    }
}
