namespace Zoo.Plugins.Tnt.Tests;

[TestClass]
public sealed class DisposeTests
{
    [TestMethod]
    public void ForwardAndBackwardInAScopeLeaveNoLiveTensors()
    {
        torch.manual_seed(0);
        using var model = new TransformerInTransformer(TntConfig.Tiny() with { Depth = 1 });
        using var x = torch.randn(2, 3, 32, 32);
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            model.zero_grad();
            model.forward(x).sum().backward();
            using var _ = torch.no_grad();
            model.Encode(x);
        }
        Step();   // gradients are allocated once
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) Step();
        Assert.AreEqual(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
