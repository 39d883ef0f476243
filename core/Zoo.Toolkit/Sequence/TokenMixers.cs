using System.Text.Json.Nodes;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Sequence;

/// <summary>The width a language model asks of its token mixers; <see cref="ChunkSize"/> is a hint for chunkwise forms.</summary>
public sealed record MixerShape(int DModel, int NumHeads, int ChunkSize = 32)
{
    public int HeadDim => DModel / NumHeads;
}

/// <summary>
/// A model factory whose model can be a token mixer (an <see cref="IMemoryModule"/> with a [B, T, D] forward) of a given
/// width. A language model (hybrid-lm) asks the catalog for a factory by name and calls this, so it never writes another
/// plugin's configuration field names: the mixer's plugin fits its own preset to the shape, then lays the user's
/// overrides (the LM's <c>mixer_config</c>) over it.
/// </summary>
public interface ITokenMixerFactory
{
    nn.Module<Tensor, Tensor> CreateMixer(MixerShape shape, string? preset, JsonObject? overrides, IZooContext context);
}

public static class TokenMixers
{
    /// <summary>Lays <paramref name="overrides"/> (snake_case fields) over a typed configuration.</summary>
    public static TConfig Override<TConfig>(IModelFactory factory, TConfig config, JsonObject? overrides) where TConfig : class
    {
        if (overrides is null || overrides.Count == 0) return config;
        var json = factory.ConfigToJson(config).AsObject();
        foreach (var (k, v) in overrides) json[k] = v?.DeepClone();
        return (TConfig)factory.ParseConfig(json);
    }

    /// <summary>Checks that a built module can mix tokens; disposes it and throws otherwise.</summary>
    public static nn.Module<Tensor, Tensor> RequireMixer(nn.Module module, string name)
    {
        if (module is IMemoryModule && module is nn.Module<Tensor, Tensor> typed) return typed;
        module.Dispose();
        throw new ArgumentException($"Model '{name}' is not a memory module (IMemoryModule with a [B,T,D] forward); it cannot be a token mixer.");
    }
}
