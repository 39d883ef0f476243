using System.Text.Json.Serialization;
using Zoo.Core;

namespace Zoo.Plugins.Vit;

/// <summary>Constructor arguments of timm's <c>VisionTransformer</c> (the subset a plain ViT with a class token needs), timm's names.</summary>
public sealed record VitConfig
{
    public int ImgSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    public int InChans { get; init; } = 3;
    public int NumClasses { get; init; } = 1000;
    /// <summary>"token" (class token, the paper) or "avg" (mean of the patch tokens).</summary>
    public string GlobalPool { get; init; } = "token";
    public int EmbedDim { get; init; } = 384;
    public int Depth { get; init; } = 12;
    public int NumHeads { get; init; } = 6;
    public double MlpRatio { get; init; } = 4.0;
    public bool QkvBias { get; init; } = true;
    public double DropRate { get; init; }
    public double PosDropRate { get; init; }
    public double ProjDropRate { get; init; }
    public double AttnDropRate { get; init; }
    public double DropPathRate { get; init; }
    /// <summary>Per-channel normalisation mean (null: 0.5 for every channel).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel normalisation std (null: 0.5 for every channel).</summary>
    public float[]? Std { get; init; }

    [JsonIgnore] public int GridSize => ImgSize / PatchSize;
    [JsonIgnore] public int NumPatches => GridSize * GridSize;

    /// <summary>Checks the configuration, naming the offending field.</summary>
    public void Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new InvalidDataException($"Invalid ViT config: {msg}"); }
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size ({ImgSize}) must be a positive multiple of patch_size ({PatchSize}).");
        Need(InChans > 0 && NumClasses >= 0 && Depth > 0 && MlpRatio > 0, "in_chans, depth, mlp_ratio must be positive and num_classes >= 0.");
        Need(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"embed_dim ({EmbedDim}) must be divisible by num_heads ({NumHeads}).");
        Need(GlobalPool is "token" or "avg", $"global_pool must be \"token\" or \"avg\", got \"{GlobalPool}\".");
        Need(Mean is null || Mean.Length == InChans, $"mean has {Mean?.Length} values for {InChans} channels.");
        Need(Std is null || (Std.Length == InChans && Std.All(s => s > 0)), $"std must have {InChans} positive values.");
    }

    public ImageInputSpec InputSpec() => new(ImgSize, ImgSize, InChans,
        Mean ?? Enumerable.Repeat(0.5f, InChans).ToArray(), Std ?? Enumerable.Repeat(0.5f, InChans).ToArray());
}
