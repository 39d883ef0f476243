using System.Text.Json.Serialization;
using Zoo.Core;

namespace Zoo.Toolkit.Vision;

/// <summary>
/// The timm constructor arguments a patch-based image transformer shares (ViT, TNT), under timm's own names so a fixture
/// sidecar or a timm config reads as is, plus the preprocessing (mean/std) the model expects.
/// </summary>
public abstract record ImageTransformerConfig
{
    public int ImgSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    public int InChans { get; init; } = 3;
    public int NumClasses { get; init; } = 1000;
    /// <summary>"token" (class token, the paper) or "avg" (mean of the patch tokens).</summary>
    public string GlobalPool { get; init; } = "token";
    /// <summary>Token width d.</summary>
    public int EmbedDim { get; init; } = 384;
    public int Depth { get; init; } = 12;
    public double MlpRatio { get; init; } = 4.0;
    public double DropRate { get; init; }
    public double PosDropRate { get; init; }
    public double ProjDropRate { get; init; }
    public double AttnDropRate { get; init; }
    public double DropPathRate { get; init; }
    /// <summary>Per-channel normalisation mean (null: 0.5 for every channel, timm's default for these models).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel normalisation std (null: 0.5 for every channel).</summary>
    public float[]? Std { get; init; }

    [JsonIgnore] public int GridSize => ImgSize / PatchSize;
    [JsonIgnore] public int NumPatches => GridSize * GridSize;

    /// <summary>The model's name in error messages ("ViT", "TNT").</summary>
    protected abstract string ModelName { get; }

    /// <summary>Checks the configuration, naming the offending field: the image and preprocessing here, the rest in <see cref="ValidateModel"/>.</summary>
    public void Validate()
    {
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size ({ImgSize}) must be a positive multiple of patch_size ({PatchSize}).");
        ValidateModel();
        Need(GlobalPool is "token" or "avg", $"global_pool must be \"token\" or \"avg\", got \"{GlobalPool}\".");
        Need(Mean is null || Mean.Length == InChans, $"mean has {Mean?.Length} values for {InChans} channels.");
        Need(Std is null || (Std.Length == InChans && Std.All(s => s > 0)), $"std must have {InChans} positive values.");
    }

    /// <summary>The model's own checks (widths, heads, depth), each through <see cref="Need"/>.</summary>
    protected abstract void ValidateModel();

    protected void Need(bool ok, string message)
    {
        if (!ok) throw new InvalidDataException($"Invalid {ModelName} config: {message}");
    }

    public ImageInputSpec InputSpec() => new(ImgSize, ImgSize, InChans,
        Mean ?? Enumerable.Repeat(0.5f, InChans).ToArray(), Std ?? Enumerable.Repeat(0.5f, InChans).ToArray());

    /// <summary>This configuration for <paramref name="channels"/> input channels (a given mean/std repeats its first value).</summary>
    public ImageTransformerConfig WithChannels(int channels) => this with
    {
        InChans = channels,
        Mean = Mean is null ? null : Enumerable.Repeat(Mean[0], channels).ToArray(),
        Std = Std is null ? null : Enumerable.Repeat(Std[0], channels).ToArray(),
    };
}

/// <summary>The <see cref="IImageModelFactory"/> resizing of an <see cref="ImageTransformerConfig"/> model (ViT, TNT).</summary>
public abstract class ImageTransformerFactory<TConfig> : ModelFactory<TConfig>, IImageModelFactory where TConfig : ImageTransformerConfig, new()
{
    public object WithClasses(object config, int numClasses) => (ImageTransformerConfig)config with { NumClasses = numClasses };

    public object WithImageSize(object config, int imageSize) => (ImageTransformerConfig)config with { ImgSize = imageSize };

    public object WithChannels(object config, int channels) => ((TConfig)config).WithChannels(channels);

    public double ForwardFlopsPerImage(object config) => ForwardFlops((TConfig)config);

    /// <summary>Analytic forward FLOPs per image (see <see cref="ModelFlops"/>).</summary>
    protected abstract double ForwardFlops(TConfig config);
}
