using static TorchSharp.torch;

namespace Zoo.Testing;

/// <summary>
/// The one helper for float comparisons in tests. Every check fails on NaN and infinity (a bare
/// <c>Assert.IsLessThan(tol, error)</c> reads well but is easy to get wrong, and a NaN error must never pass).
/// </summary>
public static class Close
{
    /// <summary>|expected - actual| &lt;= tolerance, both finite.</summary>
    public static void Within(double expected, double actual, double tolerance, string what = "")
    {
        Finite(expected, what + " (expected)");
        Finite(actual, what);
        var err = Math.Abs(expected - actual);
        if (!(err <= tolerance)) throw new AssertFailedException($"{what}: expected {expected:R}, got {actual:R} (error {err:E2} > {tolerance:E2})");
    }

    /// <summary>A finite value at most <paramref name="bound"/> (an error, a loss, a distance).</summary>
    public static void AtMost(double bound, double value, string what = "")
    {
        Finite(value, what);
        if (!(value <= bound)) throw new AssertFailedException($"{what}: {value:R} > {bound:R}");
    }

    /// <summary>A finite value at least <paramref name="bound"/> (an accuracy, a ratio).</summary>
    public static void AtLeast(double bound, double value, string what = "")
    {
        Finite(value, what);
        if (!(value >= bound)) throw new AssertFailedException($"{what}: {value:R} < {bound:R}");
    }

    /// <summary>A finite value strictly below <paramref name="bound"/> (MSTest's <c>IsLessThan(bound, value)</c>, NaN-safe).</summary>
    public static void Below(double bound, double value, string what = "")
    {
        Finite(value, what);
        if (!(value < bound)) throw new AssertFailedException($"{what}: {value:R} is not below {bound:R}");
    }

    /// <summary>A finite value strictly above <paramref name="bound"/> (MSTest's <c>IsGreaterThan(bound, value)</c>, NaN-safe).</summary>
    public static void Above(double bound, double value, string what = "")
    {
        Finite(value, what);
        if (!(value > bound)) throw new AssertFailedException($"{what}: {value:R} is not above {bound:R}");
    }

    /// <summary>Same shape, every element finite, max |expected - actual| &lt;= tolerance.</summary>
    public static void Tensors(Tensor expected, Tensor actual, double tolerance, string what = "")
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        using var scope = NewDisposeScope();
        if (!isfinite(actual).all().item<bool>()) throw new AssertFailedException($"{what}: NaN or infinity in the result");
        if (!isfinite(expected).all().item<bool>()) throw new AssertFailedException($"{what}: NaN or infinity in the expected values");
        var err = expected.numel() == 0 ? 0 : (expected.to(float64) - actual.to(float64)).abs().max().item<double>();
        if (!(err <= tolerance)) throw new AssertFailedException($"{what}: max abs error {err:E2} > {tolerance:E2}");
    }

    /// <summary>max |a - b| in float64 (NaN when either holds a NaN, so a NaN fails both `&lt; tol` and `&gt; tol` checks).</summary>
    public static double MaxAbs(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.detach().to(float64) - b.detach().to(float64)).abs().max().item<double>();
    }

    /// <summary>Every element finite.</summary>
    public static void AllFinite(Tensor t, string what = "")
    {
        using var scope = NewDisposeScope();
        if (!isfinite(t).all().item<bool>()) throw new AssertFailedException($"{what}: NaN or infinity");
    }

    private static void Finite(double v, string what)
    {
        if (!double.IsFinite(v)) throw new AssertFailedException($"{what}: {v} is not finite");
    }
}
