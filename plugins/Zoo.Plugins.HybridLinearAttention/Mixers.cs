using Zoo.Core;
using Zoo.Toolkit.Sequence;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// Builds the token mixer of a layer by name: causal attention and this plugin's Gated DeltaNet and HGRN-2 directly, any
/// other memory module (name[:preset], e.g. titans, atlas:tiny) from the context's catalog through
/// <see cref="ITokenMixerFactory"/>, so the mixer's plugin fits its own configuration to the LM's width.
/// </summary>
public static class Mixers
{
    public static readonly string[] BuiltIn = ["attention", "gated-deltanet", "hgrn2"];

    public static bool IsAttention(string name) => name.Equals("attention", StringComparison.OrdinalIgnoreCase);

    public static nn.Module<Tensor, Tensor> Create(string name, HybridLmConfig cfg, IZooContext context)
    {
        if (IsAttention(name)) return new CausalSelfAttention(cfg.DModel, cfg.NumHeads);
        var spec = ModelSpec.Parse(name);
        var shape = new MixerShape(cfg.DModel, cfg.NumHeads, cfg.ChunkSize);
        ITokenMixerFactory factory = spec.Name.ToLowerInvariant() switch
        {
            "gated-deltanet" or "gdn" => new GatedDeltaNetFactory(),
            "hgrn2" => new Hgrn2Factory(),
            _ => FromCatalog(spec, context),
        };
        return factory.CreateMixer(shape, spec.Preset, cfg.MixerConfig, context);
    }

    private static ITokenMixerFactory FromCatalog(ModelSpec spec, IZooContext context)
    {
        IModelFactory found;
        try
        {
            found = context.Catalog.Get<IModelFactory>(spec.Key);
        }
        catch (KeyNotFoundException ex)
        {
            throw new ArgumentException(
                $"Unknown mixer '{spec}': built-ins are {string.Join(", ", BuiltIn)}; other memory modules come from the plugin catalog ({ex.Message})", ex);
        }
        return found as ITokenMixerFactory
            ?? throw new ArgumentException($"Model '{spec.Name}' is not a memory module that can be a token mixer (its factory is no ITokenMixerFactory).");
    }
}
