using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.Atlas;

/// <summary>
/// Polynomial feature map phi_p(x) = [x^beta]_{|beta| &lt;= p} (ATLAS Sec. 3.2): every monomial of degree 0..p in a
/// deterministic order (degree, then lexicographic indices i1 &lt;= i2 &lt;= ...), each scaled by sqrt(multinomial) so that
/// phi(x).phi(y) = sum_d c_d^2 (x.y)^d with learnable per-degree coefficients c_d (init sqrt(1/d!): the Taylor series of exp(x.y),
/// the softmax kernel). The number of features is C(d + p, p).
/// </summary>
public sealed class PolynomialFeatures
{
    private readonly List<(int Degree, long[] Index, double Weight)> _monomials = [];

    public PolynomialFeatures(int inputDim, int degree)
    {
        if (degree < 1 || degree > 4) throw new ArgumentException($"ATLAS polynomial degree must be 1..4, not {degree}.");
        InputDim = inputDim;
        Degree = degree;
        for (int d = 0; d <= degree; d++) Enumerate(d, 0, []);
        _gather = new long[degree][];
        for (int slot = 0; slot < degree; slot++)
            _gather[slot] = _monomials.Select(m => slot < m.Index.Length ? m.Index[slot] : inputDim).ToArray();  // inputDim = the padded 1
        _weights = _monomials.Select(m => m.Weight).ToArray();
        _degrees = _monomials.Select(m => (long)m.Degree).ToArray();
    }

    private readonly long[][] _gather;
    private readonly double[] _weights;
    private readonly long[] _degrees;

    public int InputDim { get; }

    public int Degree { get; }

    public int OutputDim => _monomials.Count;

    private void Enumerate(int remaining, int from, List<long> prefix)
    {
        if (remaining == 0)
        {
            var idx = prefix.ToArray();
            double multinomial = Factorial(idx.Length);
            foreach (var g in idx.GroupBy(i => i)) multinomial /= Factorial(g.Count());
            _monomials.Add((idx.Length, idx, Math.Sqrt(multinomial)));
            return;
        }
        for (int i = from; i < InputDim; i++)
        {
            prefix.Add(i);
            Enumerate(remaining - 1, i, prefix);
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    private static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

    /// <summary>Initial per-degree coefficients sqrt(1/d!), d = 0..p.</summary>
    public Tensor InitialCoefficients() => tensor(Enumerable.Range(0, Degree + 1).Select(d => (float)Math.Sqrt(1 / Factorial(d))).ToArray());

    /// <summary>x [..., InputDim] -> phi(x) [..., OutputDim]; <paramref name="coefficients"/> [p+1] scales each degree.</summary>
    public Tensor Map(Tensor x, Tensor coefficients)
    {
        var padded = cat([x, ones_like(x.narrow(-1, 0, 1))], -1);                 // a trailing 1 stands in for lower degrees
        Tensor prod = ones_like(padded.narrow(-1, 0, 1));
        for (int slot = 0; slot < Degree; slot++)
            prod = prod * padded.index_select(-1, tensor(_gather[slot], device: x.device));
        var w = tensor(_weights, dtype: x.dtype, device: x.device);
        var c = coefficients.to(x.dtype).index_select(0, tensor(_degrees, device: x.device));
        return prod * (w * c);
    }
}
