using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>Builds the factorised-encoder ViViT; the spatial encoder comes from the context's catalog by contract (IImageEncoder).</summary>
[ZooExport(typeof(IModelFactory), "vivit", Task = ZooTasks.VideoClassification,
    Paper = "Optimizing ViViT Training: Time and Memory Reduction for Action Recognition (Gowda, Arnab, Huang 2023); ViViT (Arnab et al., ICCV 2021)",
    ArxivId = "2306.04822",
    Summary = "Factorised-encoder ViViT over any catalog image encoder, frozen, with a compact adapter and an initialised temporal transformer.")]
public sealed class ViViTFactory : ModelFactory<ViViTConfig>
{
    /// <summary>Smallest first. The spatial encoder is another plugin's preset, asked for by spec.</summary>
    protected override IEnumerable<Preset<ViViTConfig>> DefinePresets()
    {
        yield return new("tiny", "vit:tiny frames, 2 temporal layers of width D_s, 8 frames, 6 actions (CPU runs, moving digits)", new());
        // ViViT-B factorised encoder (Arnab et al. 2021, Table 1/6): ViT-B spatial, L_t = 4 temporal layers, 12 heads;
        // 32 frames with 2-frame tubelets give n_t = 16 temporal tokens; Kinetics-400 classes.
        yield return new("b", "ViViT-B FE: vit:b frames, 4 temporal layers, 12 heads, 16 frames, 400 classes (Kinetics-400)", new()
        {
            SpatialModel = "vit:b", TemporalDepth = 4, TemporalHeads = 12, NumFrames = 16, NumClasses = 400, AdapterDim = 64,
        });
    }

    public override nn.Module Create(ViViTConfig config, IZooContext context) => FactorisedEncoderViViT.Create(config, context);
}
