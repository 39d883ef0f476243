using TorchSharp;

namespace Zoo.Toolkit.Layers;

/// <summary>
/// Process-lifetime Scalars for hot paths. A temporary <see cref="Scalar"/> created by an implicit conversion
/// (<c>x * 0.5</c>) can be finalised while native code still reads it (the intermittent <c>Scalar::toFloat</c>
/// crash in long training, TorchSharp 0.107); keep the ones a loop uses here, created once.
/// </summary>
public static class Scalars
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<double, Scalar> Cache = new();

    public static Scalar Zero { get; } = 0.0.ToScalar();

    public static Scalar One { get; } = 1.0.ToScalar();

    public static Scalar Half { get; } = 0.5.ToScalar();

    /// <summary>A cached Scalar for <paramref name="value"/> (never disposed; use for a handful of constants).</summary>
    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());
}
