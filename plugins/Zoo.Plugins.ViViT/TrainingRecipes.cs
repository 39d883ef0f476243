namespace Zoo.Plugins.ViViT;

/// <summary>The training recipes Gowda et al. 2023 compare, as config transforms of one base config.</summary>
public static class TrainingRecipes
{
    /// <summary>The paper's recipe: frozen spatial encoder, compact adapter, temporal transformer initialised from the spatial layers.</summary>
    public static ViViTConfig FrozenAdapter(ViViTConfig c) =>
        c with { FreezeSpatial = true, Adapter = AdapterKind.Bottleneck, TemporalInit = TemporalInit.SpatialLast };

    /// <summary>The baseline: standard ViViT factorised-encoder fine-tuning (everything trains; new temporal encoder, random).</summary>
    public static ViViTConfig FullFineTuning(ViViTConfig c) =>
        c with { FreezeSpatial = false, Adapter = AdapterKind.None, TemporalInit = TemporalInit.Random };

    /// <summary>Naive freezing (the paper: "leads to a low accuracy model"): frozen, no adapter, random temporal transformer.</summary>
    public static ViViTConfig NaiveFreezing(ViViTConfig c) =>
        c with { FreezeSpatial = true, Adapter = AdapterKind.None, TemporalInit = TemporalInit.Random };

    public static readonly (string Name, Func<ViViTConfig, ViViTConfig> Apply)[] All =
    [
        ("frozen+adapter", FrozenAdapter),
        ("full fine-tuning", FullFineTuning),
        ("naive freezing", NaiveFreezing),
    ];
}
