using Zoo.Core;
using Zoo.Core.Fixtures;

namespace Zoo.Plugins.Memory.Tests;

/// <summary>The checks every memory layer (token mixer) meets, and the parity fixtures the memory papers ship.</summary>
internal static class MemoryChecks
{
    public static ParityFixture Fixture(string name) => ParityFixture.Load(Repo.Path("fixtures", name, name + ".safetensors"));

    /// <summary>One call over x equals two calls split at <paramref name="split"/> with the state carried; returns the one-call output.</summary>
    public static Tensor CarriesState(IMemoryModule mem, Tensor x, int split, double tolerance, string what = "")
    {
        var s0 = mem.InitialState((int)x.shape[0]);
        var (full, _) = mem.Forward(x, s0);
        var (a, s1) = mem.Forward(x[.., ..split], s0);
        var (b, _) = mem.Forward(x[.., split..], s1);
        var err = Close.MaxAbs(cat([a, b], 1), full);
        Close.Below(tolerance, err, $"{what}: split at token {split} differs from one call by {err}");
        return full;
    }

    /// <summary>New tokens from <paramref name="from"/> on leave the earlier outputs of <paramref name="full"/> alone.</summary>
    public static void IsCausal(nn.Module<Tensor, Tensor> model, Tensor x, Tensor full, int from, double tolerance, string what = "")
    {
        var x2 = x.clone();
        x2[.., from..] = randn(x.shape[0], x.shape[1] - from, x.shape[2]);
        var err = Close.MaxAbs(model.forward(x2)[.., ..from], full[.., ..from]);
        Close.Below(tolerance, err, $"{what}: future tokens leak ({err})");
    }
}
