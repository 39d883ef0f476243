using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>RMSNorm over the last dimension with a learned gain "weight" (fla RMSNorm).</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long dim, double eps = 1e-6) : base("RmsNorm")
    {
        weight = nn.Parameter(ones(dim));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * (x.square().mean([-1], keepdim: true) + _eps).rsqrt() * weight;

    /// <summary>fla FusedRMSNormGated: RMSNorm(x) * SiLU(gate).</summary>
    public Tensor Gated(Tensor x, Tensor gate) => forward(x) * nn.functional.silu(gate);
}
