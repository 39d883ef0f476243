using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>A spatial encoder taken from the catalog: the module (an <see cref="IImageEncoder"/>) and the config it was built from.</summary>
public sealed record ResolvedSpatialEncoder(nn.Module Module, string ModelName, JsonNode Config)
{
    public IImageEncoder Encoder => (IImageEncoder)Module;
}

/// <summary>
/// Finds the spatial encoder of ViViT's factorised encoder (Arnab et al. 2021, Sec. 3.3: the spatial transformer is an
/// image model applied to every frame) by contract: any model factory of the catalog whose model implements
/// <see cref="IImageEncoder"/>. This plugin never references an image plugin at compile time.
/// </summary>
public static class SpatialEncoder
{
    /// <summary>Builds (or loads from <see cref="ViViTConfig.SpatialCheckpoint"/>) the spatial encoder named by the config.</summary>
    public static ResolvedSpatialEncoder Resolve(ViViTConfig config, IZooCatalog? catalog = null)
    {
        catalog ??= ZooRuntime.Catalog ?? throw new InvalidOperationException(
            $"ViViT needs an image-encoder plugin (\"{config.SpatialModel}\") from the plugin catalog, but ZooRuntime.Catalog is not set: run through the zoo host (with the TNT/ViT plugin installed) or set ZooRuntime.Catalog.");
        IModelFactory factory;
        try
        {
            factory = catalog.Get<IModelFactory>(config.SpatialModel);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            var known = catalog.Models(ZooTasks.ImageClassification).Select(m => m.Metadata.Name).ToArray();
            throw new InvalidDataException($"Spatial model \"{config.SpatialModel}\" is not in the catalog ({ex.Message}). Image models found: {(known.Length == 0 ? "none" : string.Join(", ", known))}.", ex);
        }
        nn.Module module;
        object spatialConfig;
        if (!string.IsNullOrWhiteSpace(config.SpatialCheckpoint))
        {
            var info = Checkpoint.ReadInfo(config.SpatialCheckpoint);
            var wanted = config.SpatialModel.Split('@')[0];
            if (!string.Equals(info.Model, wanted, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{Path.Combine(config.SpatialCheckpoint, Checkpoint.ConfigFile)}: the checkpoint is a \"{info.Model}\" model, but spatial_model is \"{config.SpatialModel}\".");
            (module, spatialConfig, _) = Checkpoint.Load(config.SpatialCheckpoint, factory);
        }
        else
        {
            var json = config.SpatialConfig ?? (config.SpatialModel.Split('@')[0] == "vit" ? ViViTConfig.TinyVitConfig() : null);
            spatialConfig = factory.ParseConfig(json);
            module = factory.CreateModel(spatialConfig);
        }
        if (module is not IImageEncoder)
        {
            var type = module.GetType().Name;
            module.Dispose();
            throw new InvalidDataException($"Spatial model \"{config.SpatialModel}\" builds a {type}, which is not an image encoder (IImageEncoder).");
        }
        return new ResolvedSpatialEncoder(module, config.SpatialModel, factory.ConfigToJson(spatialConfig));
    }
}
