using Zoo.Core.Fixtures;

namespace Zoo.Plugins.Memory.Tests;

internal static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Zoo.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Zoo.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static ParityFixture Fixture(string name) => ParityFixture.Load(Path.Combine(Root, "fixtures", name, name + ".safetensors"));

    public static double MaxAbs(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        (a.detach().to(TorchSharp.torch.ScalarType.Float64) - b.detach().to(TorchSharp.torch.ScalarType.Float64)).abs().max().item<double>();
}
