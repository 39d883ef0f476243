using System.Text.Json.Nodes;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Sequence;

/// <summary>The width of a multi-head test-time memory layer (Titans/Miras, ATLAS): the fields its token-mixer form is fitted to.</summary>
public abstract record MemoryLayerConfig
{
    public int DModel { get; init; } = 64;
    public int NumHeads { get; init; } = 4;
    public int HeadDim { get; init; } = 16;
    /// <summary>Tokens per mini-batch of the inner gradient descent (Titans Sec. 3.2).</summary>
    public int ChunkSize { get; init; } = 16;
}

/// <summary>
/// A factory of memory layers with the tiny and small presets and the token-mixer form (<see cref="ITokenMixerFactory"/>).
/// `with` on the base record clones the run-time type, so a variant's own defaults (bias, retention, optimizer) stay.
/// </summary>
public abstract class MemoryLayerFactory<TConfig> : ModelFactory<TConfig>, ITokenMixerFactory where TConfig : MemoryLayerConfig, new()
{
    /// <summary>The description of the "small" preset (the defaults).</summary>
    protected abstract string DefaultsDescription { get; }

    /// <summary>tiny (d 16, 2 heads of 8, chunk 4: tests) and small (d 64, 4 heads of 16: the defaults).</summary>
    protected override IEnumerable<Preset<TConfig>> DefinePresets()
    {
        yield return new("tiny", "d_model 16, 2 heads of 8, chunk 4 (tests)",
            (TConfig)(new TConfig() with { DModel = 16, NumHeads = 2, HeadDim = 8, ChunkSize = 4 }));
        yield return new("small", DefaultsDescription, new TConfig());
    }

    /// <summary>The preset at the LM's width (head_dim = d_model / num_heads; the chunk size stays the memory's own).</summary>
    public nn.Module<Tensor, Tensor> CreateMixer(MixerShape shape, string? preset, JsonObject? overrides, IZooContext context)
    {
        var cfg = (TConfig)((MemoryLayerConfig)this.Preset(preset) with { DModel = shape.DModel, NumHeads = shape.NumHeads, HeadDim = shape.HeadDim });
        return TokenMixers.RequireMixer(Create(TokenMixers.Override(this, cfg, overrides), context), typeof(TConfig).Name);
    }
}

/// <summary>
/// The arithmetic test-time memories share: the GELU MLP memory and its derivative, reading shared or per-token weights,
/// and the chunkwise-parallel form of a linear recurrence X_t = g_t X_{t-1} + u_t (decay matrices exp(L_i - L_j), j &lt;= i).
/// </summary>
public static class MemoryMath
{
    private static readonly double InvSqrt2 = 1 / Math.Sqrt(2), InvSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);

    /// <summary>Exact (erf) GELU.</summary>
    public static Tensor Gelu(Tensor h) => 0.5 * h * (1 + special.erf(h * InvSqrt2));

    /// <summary>d GELU(h) / dh.</summary>
    public static Tensor GeluGrad(Tensor h) => 0.5 * (1 + special.erf(h * InvSqrt2)) + h * (-0.5 * h.square()).exp() * InvSqrt2Pi;

    /// <summary>m z: weights shared over tokens (m [B,H,O,I], z [B,H,T,I]) or per token (m [B,H,T,O,I]).</summary>
    public static Tensor Read(Tensor m, Tensor z, bool perToken) =>
        perToken ? m.matmul(z.unsqueeze(-1)).squeeze(-1) : z.matmul(m.transpose(-1, -2));

    /// <summary>D_ij = prod_{j &lt; m &lt;= i} g_m for j &lt;= i, else 0, from gates g [B,H,n] (computed as exp of log differences).</summary>
    public static Tensor DecayMatrix(Tensor g)
    {
        var n = g.shape[^1];
        var l = g.clamp_min(1e-12).log().cumsum(-1);
        var mask = ones(n, n, dtype: ScalarType.Bool, device: g.device).tril();
        return (l.unsqueeze(-1) - l.unsqueeze(-2)).masked_fill(mask.logical_not(), double.NegativeInfinity).exp();
    }

    /// <summary>
    /// X_i = D_i0 g_0 X_0 + sum_j D_ij u_j over a chunk for gates g [B,H,n], their decay matrix d (<see cref="DecayMatrix"/>),
    /// the state before the chunk x0 and inputs u [B,H,n,...]; returns [B,H,n,N] (u flattened after the token axis).
    /// </summary>
    public static Tensor LinearScan(Tensor d, Tensor g, Tensor x0, Tensor u)
    {
        var first = d[.., .., .., 0] * g[.., .., 0].unsqueeze(-1);
        return d.matmul(u.flatten(3)) + first.unsqueeze(-1) * x0.flatten(2).unsqueeze(2);
    }
}
