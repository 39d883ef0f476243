using TorchSharp;

namespace Zoo.Plugins.Hmt.Tests;

[TestClass]
public static class AssemblySetup
{
    /// <summary>Tiny tensors: one intra-op thread is faster than two on a shared 2-core machine.</summary>
    [AssemblyInitialize]
    public static void Init(TestContext _) => torch.set_num_threads(1);
}
