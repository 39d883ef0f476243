using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.ViViT;

/// <summary>How clips were sampled for training (predict reuses it): side data of a ViViT checkpoint.</summary>
public sealed record ClipSampling
{
    public const string Key = "sampling";

    /// <summary>uniform or strided.</summary>
    public string Mode { get; init; } = "uniform";

    public int Stride { get; init; } = 2;
}

/// <summary>What trained a ViViT checkpoint (the clips' path and the seed beside the shared fields).</summary>
public sealed record VideoTrainingSummary : ClassifierTrainingSummary
{
    public string Data { get; init; } = "";

    public long Seed { get; init; }
}

/// <summary>The image pretraining of a spatial checkpoint written by the demo (see <see cref="SpatialPretraining"/>).</summary>
public sealed record SpatialPretrainingReport
{
    public const string Key = "pretraining";

    public string Task { get; init; } = "digit stills: digit, column, row, angle bin";

    public int Steps { get; init; }

    public double? DigitAccuracy { get; init; }

    public double? ColumnAccuracy { get; init; }

    public double? RowAccuracy { get; init; }

    public double? AngleAccuracy { get; init; }
}
