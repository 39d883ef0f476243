using Zoo.Core;

namespace Zoo.Toolkit.Vision;

/// <summary>
/// A factory of image classifiers that can re-size its own configuration (class count from the data, input size
/// from an option) without the caller writing the plugin's config field names. Recipes, the ML.NET estimator and
/// other plugins use it on a configuration resolved from <c>name[:preset]</c> plus overrides.
/// </summary>
public interface IImageModelFactory : IModelFactory
{
    /// <summary><paramref name="config"/> with a head of <paramref name="numClasses"/> classes.</summary>
    object WithClasses(object config, int numClasses);

    /// <summary><paramref name="config"/> for square inputs of <paramref name="imageSize"/> pixels.</summary>
    object WithImageSize(object config, int imageSize);

    /// <summary><paramref name="config"/> for inputs of <paramref name="channels"/> channels (1: grey, 3: RGB).</summary>
    object WithChannels(object config, int channels);

    /// <summary>Analytic forward FLOPs per image of a model of <paramref name="config"/> (see <see cref="ModelFlops"/>).</summary>
    double ForwardFlopsPerImage(object config);
}

/// <summary>Helpers over <see cref="IImageModelFactory"/> for models asked for by name.</summary>
public static class ImageModels
{
    /// <summary>The configuration of <paramref name="preset"/> + <paramref name="overrides"/>, then with <paramref name="numClasses"/> and an optional size.</summary>
    public static (IImageModelFactory Factory, object Config) Resolve(IModelFactory factory, string? preset, System.Text.Json.Nodes.JsonObject? overrides,
        int? numClasses = null, int? imageSize = null)
    {
        var f = factory as IImageModelFactory
            ?? throw new NotSupportedException($"{factory.GetType().Name} is not an image-classifier factory (IImageModelFactory).");
        var config = f.Configure(preset, overrides);
        if (numClasses is int k) config = f.WithClasses(config, k);
        if (imageSize is int s) config = f.WithImageSize(config, s);
        return (f, config);
    }
}

/// <summary>Analytic forward FLOPs (2 x multiply-adds of convs, linears and attention matmuls; norms, softmax, activations left out).</summary>
public static class ModelFlops
{
    /// <summary>One pre-norm transformer layer over <paramref name="tokens"/> tokens of width <paramref name="width"/>: qkv + proj, attention, MLP.</summary>
    public static double TransformerLayerMacs(double tokens, double width, double mlpRatio) =>
        4 * tokens * width * width + 2 * tokens * tokens * width + 2 * mlpRatio * tokens * width * width;

    /// <summary>Plain ViT with a class token: patch conv, <paramref name="depth"/> layers over n+1 tokens, head.</summary>
    public static double VisionTransformer(int imageSize, int patchSize, int channels, int width, int depth, double mlpRatio, int classes)
    {
        double n = (double)(imageSize / patchSize) * (imageSize / patchSize), d = width;
        double macs = n * d * channels * patchSize * patchSize + depth * TransformerLayerMacs(n + 1, d, mlpRatio) + d * classes;
        return 2 * macs;
    }
}
