using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// Multi-head self-attention as TNT uses it at both levels (paper Eq. 1-2): separate <c>qk</c> and <c>v</c> projections
/// (timm key names attn_*.qk / attn_*.v / attn_*.proj), softmax(q k^T / sqrt(d_head)) v, output projection with bias.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> qk;
    private readonly nn.Module<Tensor, Tensor> v;
    private readonly nn.Module<Tensor, Tensor> attn_drop;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor> proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly int _headDim;
    private readonly Scalar _scale;

    public Attention(int dim, int hiddenDim, int numHeads, bool qkvBias, double attnDrop, double projDrop) : base(nameof(Attention))
    {
        _heads = numHeads;
        _headDim = hiddenDim / numHeads;
        _scale = Math.Pow(_headDim, -0.5).ToScalar();
        qk = nn.Linear(dim, hiddenDim * 2, hasBias: qkvBias);
        v = nn.Linear(dim, dim, hasBias: qkvBias);
        attn_drop = nn.Dropout(attnDrop);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(projDrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], n = x.shape[1];
        using var qkv = qk.forward(x).reshape(b, n, 2, _heads, _headDim).permute(2, 0, 3, 1, 4);
        var parts = qkv.unbind(0);
        using var q = parts[0];
        using var k = parts[1];
        using var vv = v.forward(x).reshape(b, n, _heads, -1).permute(0, 2, 1, 3);
        using var scores = q.matmul(k.transpose(-2, -1)).mul_(_scale);
        using var attn = attn_drop.forward(scores.softmax(-1));
        using var mixed = attn.matmul(vv).transpose(1, 2).reshape(b, n, -1);
        return proj_drop.forward(proj.forward(mixed));
    }
}

/// <summary>Transformer MLP: fc1 -> GELU (erf) -> dropout -> fc2 -> dropout (timm <c>Mlp</c> names).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> fc1;
    private readonly nn.Module<Tensor, Tensor> act;
    private readonly nn.Module<Tensor, Tensor> drop1;
    private readonly nn.Module<Tensor, Tensor> fc2;
    private readonly nn.Module<Tensor, Tensor> drop2;
#pragma warning restore IDE1006

    public Mlp(int inFeatures, int hiddenFeatures, double drop) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(inFeatures, hiddenFeatures);
        act = nn.GELU();
        drop1 = nn.Dropout(drop);
        fc2 = nn.Linear(hiddenFeatures, inFeatures);
        drop2 = nn.Dropout(drop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = act.forward(fc1.forward(x));
        using var hd = drop1.forward(h);
        return drop2.forward(fc2.forward(hd));
    }
}

/// <summary>Stochastic depth (drops a whole residual branch per sample while training); identity in eval or at rate 0.</summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    private readonly double _p;

    public DropPath(double p) : base(nameof(DropPath)) => _p = p;

    public override Tensor forward(Tensor x)
    {
        if (_p <= 0 || !training) return x.alias();
        using var keepScale = (1 / (1 - _p)).ToScalar();
        var shape = new long[x.dim()];
        shape[0] = x.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        using var keep = torch.empty(shape, dtype: x.dtype, device: x.device).bernoulli_(1 - _p).mul_(keepScale);
        return x.mul(keep);
    }
}

/// <summary>
/// Scalars that live for the whole process. TorchSharp turns numbers into native Scalars that only a finalizer frees;
/// an implicit temporary (e.g. the alpha of <c>a + b</c>) can be finalized while the native call still reads it, which
/// crashed training runs here ("Expected false to be true" in Scalar::toFloat). Hot paths pass these instead.
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>a + b with a Scalar alpha that cannot be collected mid-call.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);
}

/// <summary>Weight initialisation helpers (timm's trunc_normal_ with absolute bounds [-2, 2]).</summary>
internal static class TruncatedNormal
{
    /// <summary>N(0, std^2) truncated to [-2, 2] like timm's <c>trunc_normal_(t, std)</c> (for std 0.02 this is a plain normal).
    /// TorchSharp 0.107's nn.init.trunc_normal_ returned +-std only here, so it is not used.</summary>
    public static void Fill(Tensor t, double std)
    {
        using var _ = torch.no_grad();
        using var lo = (-2.0).ToScalar();
        using var hi = 2.0.ToScalar();
        t.normal_(0, std).clamp_(lo, hi);
    }
}
