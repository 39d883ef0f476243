using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Vision;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>A backbone built through the context's catalog, with what is needed to save it again.</summary>
public sealed record Backbone(nn.Module Module, string Name, string Version, IModelFactory Factory, object Config);

/// <summary>
/// Builds backbones as model specs (<c>vit:tiny</c>, <c>tnt</c>) through <see cref="IZooContext.Catalog"/>: no compile-time
/// reference to a model plugin and no knowledge of its config fields (presets are the plugin's own).
/// </summary>
public static class Backbones
{
    /// <summary>
    /// A fresh backbone of <paramref name="spec"/> (name[@version][:preset]; without a preset: <paramref name="preset"/>,
    /// else the model's "tiny" preset, else its smallest) with <paramref name="overrides"/> laid over the preset,
    /// or the model of a checkpoint folder when <paramref name="checkpoint"/> is given.
    /// </summary>
    public static Backbone Create(IZooContext context, string spec, string? preset, JsonObject? overrides, string? checkpoint, int numClasses)
    {
        if (checkpoint != null)
        {
            var info = Checkpoint.ReadInfo(checkpoint);
            var f = context.Catalog.Get<IModelFactory>(info.Model);
            var (m, c, _) = Checkpoint.Load(checkpoint, f, context);
            return new Backbone(m, info.Model, info.Version, f, c);
        }
        var s = ModelSpec.Parse(spec);
        var factory = context.Catalog.Get<IModelFactory>(s.Key);
        var chosen = s.Preset ?? preset ?? factory.Presets.FirstOrDefault(p => p.Name.Equals("tiny", StringComparison.OrdinalIgnoreCase))?.Name
            ?? factory.Presets.FirstOrDefault()?.Name;
        var config = factory.Configure(chosen, overrides);
        // The head must cover the benchmark's classes (an image model that is not an IImageModelFactory gets a
        // learner-owned head from ContinualClassifier instead).
        if (factory is IImageModelFactory image && overrides?.ContainsKey("num_classes") != true) config = image.WithClasses(config, numClasses);
        var version = factory.GetType().Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
        return new Backbone(factory.CreateModel(config, context), s.Name, version, factory, config);
    }
}
