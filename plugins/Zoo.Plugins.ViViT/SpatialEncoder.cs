using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>A spatial encoder taken from the catalog: the module (an <see cref="IImageEncoder"/>) and the config it was built from.</summary>
public sealed record ResolvedSpatialEncoder(nn.Module Module, string ModelName, JsonObject Config)
{
    public IImageEncoder Encoder => (IImageEncoder)Module;
}

/// <summary>
/// Finds the spatial encoder of ViViT's factorised encoder (Arnab et al. 2021, Sec. 3.3: the spatial transformer is an
/// image model applied to every frame) by contract: any model of the context's catalog that implements
/// <see cref="IImageEncoder"/>, asked for as <c>name[:preset]</c> plus overrides. This plugin never references an image
/// plugin at compile time and never writes the image model's config field names.
/// </summary>
public static class SpatialEncoder
{
    /// <summary>Builds (or loads from <see cref="ViViTConfig.SpatialCheckpoint"/>) the spatial encoder named by the config.</summary>
    public static ResolvedSpatialEncoder Resolve(ViViTConfig config, IZooContext context)
    {
        var spec = ParseSpec(config.SpatialModel);
        var catalog = context.Catalog;
        IModelFactory factory;
        try
        {
            factory = catalog.Get<IModelFactory>(spec.Key);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            var known = catalog.Models(ZooTasks.ImageClassification).Select(m => m.Metadata.Name).ToArray();
            throw new InvalidDataException($"Spatial model \"{config.SpatialModel}\" is not in the catalog ({ex.Message}). " +
                $"Image models found: {(known.Length == 0 ? "none (install an image plugin such as vit)" : string.Join(", ", known))}.", ex);
        }
        nn.Module module;
        object spatialConfig;
        if (!string.IsNullOrWhiteSpace(config.SpatialCheckpoint))
        {
            var info = Checkpoint.ReadInfo(config.SpatialCheckpoint);
            if (!string.Equals(info.Model, spec.Name, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{Path.Combine(config.SpatialCheckpoint, Checkpoint.ConfigFile)}: the checkpoint is a " +
                    $"\"{info.Model}\" model, but spatial_model is \"{config.SpatialModel}\".");
            (module, spatialConfig, _) = Checkpoint.Load(config.SpatialCheckpoint, factory, context);
        }
        else
        {
            try
            {
                spatialConfig = factory.Configure(spec.Preset, config.SpatialConfig);
            }
            catch (KeyNotFoundException ex)
            {
                throw new InvalidDataException($"Spatial model \"{config.SpatialModel}\": {ex.Message}", ex);
            }
            module = factory.CreateModel(spatialConfig, context);
        }
        if (module is not IImageEncoder)
        {
            var type = module.GetType().Name;
            module.Dispose();
            throw new InvalidDataException($"Spatial model \"{config.SpatialModel}\" builds a {type}, which is not an image encoder (IImageEncoder).");
        }
        return new ResolvedSpatialEncoder(module, spec.Name, factory.ConfigToJson(spatialConfig).AsObject());
    }

    /// <summary>The spec with a readable error when it is malformed.</summary>
    public static ModelSpec ParseSpec(string spatialModel)
    {
        try
        {
            return ModelSpec.Parse(spatialModel);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"Invalid ViViT config: spatial_model: {ex.Message}", ex);
        }
    }
}
