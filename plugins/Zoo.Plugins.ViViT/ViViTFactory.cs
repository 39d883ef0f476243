using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>Builds the factorised-encoder ViViT; the spatial encoder comes from the catalog by contract (IImageEncoder).</summary>
[ZooExport(typeof(IModelFactory), "vivit", Task = ZooTasks.VideoClassification,
    Paper = "Optimizing ViViT Training: Time and Memory Reduction for Action Recognition (Gowda, Arnab, Huang 2023); ViViT (Arnab et al., ICCV 2021)",
    ArxivId = "2306.04822",
    Summary = "Factorised-encoder ViViT over any catalog image encoder, frozen, with a compact adapter and an initialised temporal transformer (full fine-tuning as baseline).")]
public sealed class ViViTFactory : ModelFactory<ViViTConfig>
{
    public override nn.Module Create(ViViTConfig config) => FactorisedEncoderViViT.Create(config);
}
