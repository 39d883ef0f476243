using Zoo.Core;
using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// Analytic FLOPs (2 x multiply-adds of linears, convs and attention matmuls; norms, softmax and activations left out).
/// The spatial encoder's come from its own factory (<see cref="IImageModelFactory.ForwardFlopsPerImage"/>), never from
/// its config fields. Frozen training runs it forward only (1x), full fine-tuning forward and backward (3x); the
/// adapter, temporal transformer and head always cost 3x.
/// </summary>
public static class ViViTFlops
{
    /// <summary>Forward FLOPs of one frame through the spatial encoder (pooled embedding, no head); NaN when its factory cannot tell.</summary>
    public static double SpatialForward(FactorisedEncoderViViT model, IZooCatalog catalog)
    {
        var spec = SpatialEncoder.ParseSpec(model.Config.SpatialModel);
        if (model.Config.SpatialConfig is null || catalog.Get<IModelFactory>(spec.Key) is not IImageModelFactory factory) return double.NaN;
        double flops = factory.ForwardFlopsPerImage(factory.ParseConfig(model.Config.SpatialConfig));
        // ViViT takes the pooled embedding: the image model's own head does not run.
        if (model.Spatial is IImageClassifier c) flops -= 2.0 * c.EmbeddingDim * c.NumClasses;
        return flops;
    }

    /// <summary>Forward FLOPs of adapter + temporal transformer + head for one clip.</summary>
    public static double TemporalForward(ViViTConfig c, int spatialDim)
    {
        double t = c.NumFrames, d = c.TemporalDim ?? spatialDim, N = t + 1, r = c.MlpRatio;
        double adapter = c.Adapter switch
        {
            AdapterKind.Linear => t * spatialDim * d,
            AdapterKind.Bottleneck => t * ((spatialDim != d ? spatialDim * d : 0) + 2 * d * c.AdapterDim),
            _ => 0,
        };
        double blocks = c.TemporalDepth * (4 * N * d * d + 2 * N * N * d + 2 * r * N * d * d);
        return 2 * (adapter + blocks + d * c.NumClasses);
    }

    /// <summary>Training FLOPs of one clip (forward + backward where gradients flow).</summary>
    public static double TrainPerClip(FactorisedEncoderViViT model, IZooCatalog catalog)
    {
        var c = model.Config;
        double fs = SpatialForward(model, catalog);
        double ft = TemporalForward(c, ((IImageEncoder)model.Spatial).EmbeddingDim);
        return c.FreezeSpatial ? c.NumFrames * fs + 3 * ft : 3 * (c.NumFrames * fs + ft);
    }
}
