namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public static class AssemblySetup
{
    /// <summary>Tiny tensors: one intra-op thread avoids OpenMP spin-waiting on a shared 2-core machine.</summary>
    [AssemblyInitialize]
    public static void Init(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
