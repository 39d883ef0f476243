using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Zoo.Plugins.ViViT;

/// <summary>How the temporal transformer starts (Gowda et al. 2023 compare initialisations of the temporal transformer).</summary>
public enum TemporalInit
{
    /// <summary>Truncated-normal weights (std 0.02), zero biases: the ViViT default for a new temporal encoder.</summary>
    Random,
    /// <summary>Copies the spatial encoder's first L_t blocks (and its final norm) where the shapes allow.</summary>
    SpatialFirst,
    /// <summary>Copies the spatial encoder's last L_t blocks (and its final norm) where the shapes allow.</summary>
    SpatialLast,
    /// <summary>Copies the temporal transformer of another ViViT checkpoint (e.g. trained on a larger video set).</summary>
    Checkpoint,
}

/// <summary>The compact adapter between the frozen per-frame class embeddings and the temporal transformer.</summary>
public enum AdapterKind
{
    /// <summary>No adapter (spatial width must equal the temporal width): naive freezing.</summary>
    None,
    /// <summary>One linear map D_s -> D_t.</summary>
    Linear,
    /// <summary>Residual bottleneck: x + up(GELU(down(LN(x)))), up zero-initialised so it starts as the identity.</summary>
    Bottleneck,
}

/// <summary>
/// Configuration of the factorised-encoder ViViT (Arnab et al. 2021, Model 2) with the training recipe of Gowda et al. 2023.
/// The spatial encoder is any image-encoder model in the catalog, asked for as a model spec (<see cref="SpatialModel"/>,
/// <c>name[:preset]</c>) with <see cref="SpatialConfig"/> laid over the preset, or loaded from <see cref="SpatialCheckpoint"/>.
/// This record never names the spatial model's own config fields.
/// </summary>
public sealed record ViViTConfig
{
    /// <summary>The image-encoder model as a catalog spec <c>name[@version][:preset]</c>, e.g. "vit:tiny" or "tnt:s".</summary>
    public string SpatialModel { get; init; } = "vit:tiny";

    /// <summary>
    /// Fields of the spatial model's own configuration laid over its preset (null: the preset as it is). A saved ViViT
    /// carries the spatial model's full configuration here, so it rebuilds the same encoder.
    /// </summary>
    public JsonObject? SpatialConfig { get; init; }

    /// <summary>A checkpoint folder of the spatial model (config.json + model.safetensors); overrides <see cref="SpatialConfig"/>.</summary>
    public string? SpatialCheckpoint { get; init; }

    /// <summary>true: the spatial encoder is frozen (no gradient, eval mode; the paper's recipe). false: full fine-tuning (the baseline).</summary>
    public bool FreezeSpatial { get; init; } = true;

    public AdapterKind Adapter { get; init; } = AdapterKind.Bottleneck;

    /// <summary>Bottleneck width r of the adapter.</summary>
    public int AdapterDim { get; init; } = 32;

    /// <summary>Temporal width D_t; null: the spatial embedding width (needed to initialise from the spatial layers).</summary>
    public int? TemporalDim { get; init; }

    /// <summary>L_t, temporal transformer layers (ViViT-B FE uses 4).</summary>
    public int TemporalDepth { get; init; } = 2;

    public int TemporalHeads { get; init; } = 4;

    public double MlpRatio { get; init; } = 4.0;

    public bool QkvBias { get; init; } = true;

    public double DropRate { get; init; }

    public TemporalInit TemporalInit { get; init; } = TemporalInit.SpatialLast;

    /// <summary>ViViT checkpoint folder whose temporal transformer is copied when <see cref="TemporalInit"/> is checkpoint.</summary>
    public string? TemporalInitCheckpoint { get; init; }

    /// <summary>n_t, frames per clip.</summary>
    public int NumFrames { get; init; } = 8;

    public int NumClasses { get; init; } = 6;

    /// <summary>Checks the fields that do not need the spatial encoder, naming the offending one.</summary>
    public void Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new InvalidDataException($"Invalid ViViT config: {msg}"); }
        Need(!string.IsNullOrWhiteSpace(SpatialModel), "spatial_model is empty.");
        Need(AdapterDim > 0, "adapter_dim must be positive.");
        Need(TemporalDim is null || TemporalDim > 0, "temporal_dim must be positive.");
        Need(TemporalDepth > 0, "temporal_depth must be positive.");
        Need(TemporalHeads > 0, "temporal_heads must be positive.");
        Need(MlpRatio > 0, "mlp_ratio must be positive.");
        Need(NumFrames > 0, "num_frames must be positive.");
        Need(NumClasses > 1, "num_classes must be at least 2.");
        Need(DropRate is >= 0 and < 1, "drop_rate must be in [0, 1).");
        Need(TemporalInit != TemporalInit.Checkpoint || !string.IsNullOrWhiteSpace(TemporalInitCheckpoint),
            "temporal_init is checkpoint but temporal_init_checkpoint is not set.");
    }
}
