namespace Zoo.Plugins.Informer.Tests;

[TestClass]
public static class TestSetup
{
    /// <summary>One intra-op thread: on a shared, busy CPU more threads make these tiny models much slower.</summary>
    [AssemblyInitialize]
    public static void Init(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
