using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Plugins.ViViT;

/// <summary>Where clips come from (train, eval). <c>--data</c> (common) is a clip folder or "generated" (the default).</summary>
public record ClipDataOptions
{
    [Description("Generated clips (with --data generated or no --data).")] public int Clips { get; set; } = 600;
    [Description("The digits CSV for generated clips (default: the shipped data/digits/digits.csv.gz).")] public string? Digits { get; set; }
    [Description("Frame sampling of clips from disk."), AllowedValues("uniform", "strided")] public string Sampling { get; set; } = "uniform";
    [Description("Frame stride of strided sampling.")] public int Stride { get; set; } = 2;

    [Description("Unreadable clips: skip them (with a warning) or reject the data set."), AllowedValues("skip", "reject")]
    public string BadClips { get; set; } = "skip";
}

/// <summary>Options of <c>zoo train vivit</c> (common: --data, --out, --epochs 10, --batch-size 16, --lr 2e-3, --seed, --config, --set).</summary>
public sealed record ViViTTrainOptions : ClipDataOptions
{
    [Description("Catalog image-encoder model as name[:preset] (e.g. vit:tiny, tnt:s). Default: the ViViT preset's.")]
    public string? Spatial { get; set; }

    [Description("A JSON file of the spatial model's own config fields, laid over its preset.")] public string? SpatialConfig { get; set; }
    [Description("A checkpoint folder of the spatial model (e.g. from zoo train vit) to freeze.")] public string? SpatialCheckpoint { get; set; }

    [Description("Without --spatial-checkpoint: first pretrain the spatial model on digit stills for this many steps (0: keep it random).")]
    public int PretrainSpatial { get; set; }

    [Description("Baseline: train the spatial encoder too (default: frozen).")] public bool FullFinetune { get; set; }
    [Description("The compact adapter."), AllowedValues("bottleneck", "linear", "none")] public string? Adapter { get; set; }
    [Description("Bottleneck width r of the adapter.")] public int? AdapterDim { get; set; }

    [Description("Initialisation of the temporal transformer."), AllowedValues("random", "spatial_first", "spatial_last", "checkpoint")]
    public string? TemporalInit { get; set; }

    [Description("ViViT checkpoint whose temporal transformer initialises this one (with --temporal-init checkpoint).")]
    public string? TemporalInitCheckpoint { get; set; }

    [Description("L_t, temporal transformer layers.")] public int? TemporalDepth { get; set; }
    [Description("Frames per clip n_t.")] public int? Frames { get; set; }
    [Description("AdamW weight decay.")] public double WeightDecay { get; set; } = 0.05;
    [Description("Fraction of the clips held out for validation.")] public double ValFraction { get; set; } = 0.2;
}

/// <summary>Options of <c>zoo eval vivit</c> (common: --checkpoint/-c, --data, --seed).</summary>
public sealed record ViViTEvalOptions : ClipDataOptions
{
    [Description("Confusion-matrix image (default: confusion_matrix.png in the checkpoint folder).")] public string? Png { get; set; }
}

/// <summary>Options of <c>zoo predict vivit</c> (common: --checkpoint/-c; --data: one more clip).</summary>
public sealed record ViViTPredictOptions
{
    [Description("Clips to classify (frame folders or animated .gif/.webp files); several, or separated by ';' or ','."), Positional]
    public string[]? Clips { get; set; }

    [Description("uniform or strided (default: what the checkpoint was trained with)."), AllowedValues("uniform", "strided")]
    public string? Sampling { get; set; }

    [Description("Frame stride of strided sampling (default: the checkpoint's).")] public int? Stride { get; set; }
}

/// <summary>Options of <c>zoo demo vivit</c> and <c>zoo bench vivit</c> (common: --steps 120, --batch-size 16, --lr 2e-3, --seed, --out).</summary>
public sealed record ViViTCompareOptions
{
    [Description("Catalog image-encoder model as name[:preset].")] public string Spatial { get; set; } = "vit:tiny";
    [Description("A JSON file of the spatial model's own config fields, laid over its preset.")] public string? SpatialConfig { get; set; }
    [Description("Spatial image pretraining steps on digit stills before the video runs.")] public int PretrainSteps { get; set; } = 200;
    [Description("Frames per clip n_t.")] public int Frames { get; set; } = 6;
    [Description("Generated training clips.")] public int TrainClips { get; set; } = 360;
    [Description("Generated test clips.")] public int TestClips { get; set; } = 180;
    [Description("Training steps timed per recipe and round for the cost figures.")] public int TimedSteps { get; set; } = 10;
    [Description("L_t, temporal transformer layers.")] public int TemporalDepth { get; set; } = 2;
}
