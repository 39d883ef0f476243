using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>Chooses the compute device from a user's <c>--device</c> choice.</summary>
public static class ZooDevices
{
    /// <summary>"cpu", "cuda" or "cuda:N"; a clear error when CUDA is asked for but not there.</summary>
    public static Device Parse(string? choice)
    {
        var c = (choice ?? "cpu").Trim().ToLowerInvariant();
        if (c == "cpu") return CPU;
        if (c == "cuda" || c.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new CudaUnavailableException(
                    "CUDA was requested (--device " + c + ") but is not available: this build uses the TorchSharp-cpu backend " +
                    "(rebuild with -p:TorchBackend=cuda-linux or -p:TorchBackend=cuda-windows) or no CUDA driver/GPU was found. Use --device cpu.");
            return c == "cuda" ? CUDA : new Device(c);
        }
        throw new ArgumentException($"Unknown device '{choice}'. Use cpu, cuda or cuda:N.");
    }
}

/// <summary>CUDA was asked for but this build or machine has none (the host exits with 2: a usage error).</summary>
public sealed class CudaUnavailableException(string message) : InvalidOperationException(message);
