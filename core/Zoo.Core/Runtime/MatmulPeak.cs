using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// The fp32 matmul throughput libtorch reaches on this machine, the denominator of model FLOP utilisation
/// (MFU = model FLOPs per second / this). Measure it in the same run as the model: machines are shared and noisy.
/// </summary>
public static class MatmulPeak
{
    /// <summary>FLOP/s of repeated [n, n] x [n, n] fp32 matmuls (2 n^3 FLOPs each) over about <paramref name="seconds"/>.</summary>
    public static double Measure(int n = 1024, double seconds = 1.0, Device? device = null)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var a = torch.randn(n, n, device: device ?? CPU);
        var b = torch.randn(n, n, device: device ?? CPU);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose();   // warm-up
        long runs = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            a.matmul(b).Dispose();
            runs++;
        }
        if (device?.type == DeviceType.CUDA) torch.cuda.synchronize();
        return runs * 2.0 * n * n * n / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Model FLOP utilisation as a fraction.</summary>
    public static double Utilisation(double modelFlopsPerSecond, double peakFlopsPerSecond) => modelFlopsPerSecond / peakFlopsPerSecond;
}
