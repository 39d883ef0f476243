using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// ViViT factorised encoder (Arnab et al. 2021, Sec. 3.3, Model 2) trained as in Gowda et al. 2023: every frame goes
/// through the spatial encoder (an image encoder from the catalog) to one class embedding h_i; the compact adapter maps
/// the n_t embeddings to the temporal width; the temporal transformer (class token + position embeddings + L_t blocks)
/// turns them into one clip representation; a linear head gives the logits. With <see cref="ViViTConfig.FreezeSpatial"/>
/// the spatial encoder runs under no_grad in eval mode, so no activation of it is kept for the backward pass: that is
/// where the paper's time and memory savings come from. Without it (full fine-tuning) it trains with everything else.
/// State-dict keys: <c>spatial.*</c> (the image model's own keys), <c>adapter.*</c>, <c>temporal.*</c>, <c>head.*</c>.
/// </summary>
public sealed class FactorisedEncoderViViT : nn.Module<Tensor, Tensor>, IVideoClassifier
{
#pragma warning disable IDE1006
    private readonly nn.Module spatial;
    private readonly CompactAdapter adapter;
    private readonly TemporalTransformer temporal;
    private readonly nn.Module<Tensor, Tensor> head_drop;
    private readonly TorchSharp.Modules.Linear head;
#pragma warning restore IDE1006
    private readonly IImageEncoder _encoder;

    /// <summary>Builds the model around an already built spatial encoder (a module implementing <see cref="IImageEncoder"/>).</summary>
    public FactorisedEncoderViViT(ViViTConfig config, nn.Module spatialEncoder, JsonObject? spatialConfig = null) : base("ViViT")
    {
        config.Validate();
        _encoder = spatialEncoder as IImageEncoder
            ?? throw new ArgumentException($"The spatial encoder {spatialEncoder.GetType().Name} is not an IImageEncoder.");
        int ds = _encoder.EmbeddingDim, dt = config.TemporalDim ?? ds;
        Config = config with { SpatialConfig = spatialConfig ?? config.SpatialConfig };
        spatial = spatialEncoder;
        adapter = new CompactAdapter(config.Adapter, ds, dt, config.AdapterDim);
        temporal = new TemporalTransformer(dt, config.TemporalDepth, config.TemporalHeads, config.MlpRatio, config.QkvBias, config.NumFrames, config.DropRate);
        head_drop = nn.Dropout(config.DropRate);
        head = nn.Linear(dt, config.NumClasses);
        RegisterComponents();
        using (torch.no_grad())
        {
            head.weight!.zero_();   // scenic's output_projection kernel is zero-initialised
            head.bias!.zero_();
        }
        InitReport = config.TemporalInit switch
        {
            TemporalInit.SpatialFirst => TemporalInitialisation.FromSpatial(temporal, spatial, last: false),
            TemporalInit.SpatialLast => TemporalInitialisation.FromSpatial(temporal, spatial, last: true),
            TemporalInit.Checkpoint => TemporalInitialisation.FromCheckpoint(temporal, config.TemporalInitCheckpoint!),
            _ => null,
        };
        SetFrozen(config.FreezeSpatial);
    }

    /// <summary>Builds the spatial encoder from <paramref name="context"/>'s catalog and the model around it.</summary>
    public static FactorisedEncoderViViT Create(ViViTConfig config, IZooContext context)
    {
        config.Validate();
        var resolved = SpatialEncoder.Resolve(config, context);
        try
        {
            // The weights of a spatial checkpoint end up in this model's own checkpoint, so the saved config needs only its config.
            return new FactorisedEncoderViViT(config with { SpatialCheckpoint = null }, resolved.Module, resolved.Config);
        }
        catch
        {
            resolved.Module.Dispose();
            throw;
        }
    }

    public ViViTConfig Config { get; }

    /// <summary>What the temporal initialisation copied (null for random).</summary>
    public InitReport? InitReport { get; }

    public int NumClasses => Config.NumClasses;

    public int NumFrames => Config.NumFrames;

    public bool SpatialFrozen { get; private set; }

    /// <summary>Preprocessing every frame needs (the spatial encoder's).</summary>
    public ImageInputSpec InputSpec => _encoder.InputSpec;

    VideoInputSpec? IVideoClassifier.InputSpec => new(NumFrames, InputSpec);

    public nn.Module Spatial => spatial;

    public CompactAdapter Adapter => adapter;

    public TemporalTransformer Temporal => temporal;

    /// <summary>Freezes (the paper's recipe) or unfreezes (full fine-tuning) the spatial encoder.</summary>
    public void SetFrozen(bool frozen)
    {
        SpatialFrozen = frozen;
        foreach (var p in spatial.parameters()) p.requires_grad = !frozen;
        if (frozen) spatial.eval();
        else spatial.train(training);
    }

    /// <summary>The parameters the optimiser should update (the spatial encoder's only when fine-tuning fully).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);

    public override void train(bool on = true)
    {
        base.train(on);
        if (SpatialFrozen) spatial.eval();   // a frozen encoder stays in eval mode (no dropout, fixed statistics)
    }

    /// <summary>[B, n_t, C, H, W] -> per-frame class embeddings [B, n_t, D_s].</summary>
    public Tensor FrameEmbeddings(Tensor clips)
    {
        var spec = InputSpec;
        if (clips.dim() != 5 || clips.shape[1] != NumFrames || clips.shape[2] != spec.Channels
            || clips.shape[3] != spec.Height || clips.shape[4] != spec.Width)
            throw new ArgumentException($"ViViT expects clips [B, {NumFrames}, {spec.Channels}, {spec.Height}, {spec.Width}], " +
                $"got [{string.Join(", ", clips.shape)}].");
        long b = clips.shape[0], t = clips.shape[1];
        using var scope = torch.NewDisposeScope();
        var frames = clips.reshape(b * t, spec.Channels, spec.Height, spec.Width);
        Tensor h;
        if (SpatialFrozen)
        {
            using (torch.no_grad()) h = _encoder.Encode(frames);
        }
        else
        {
            h = _encoder.Encode(frames);
        }
        return h.reshape(b, t, -1).MoveToOuterDisposeScope();
    }

    /// <summary>[B, n_t, C, H, W] -> clip representation [B, D_t] (before the head).</summary>
    public Tensor ClipEmbedding(Tensor clips)
    {
        using var scope = torch.NewDisposeScope();
        return temporal.forward(adapter.forward(FrameEmbeddings(clips))).MoveToOuterDisposeScope();
    }

    public Tensor Classify(Tensor clips) => forward(clips);

    public override Tensor forward(Tensor clips)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(head_drop.forward(ClipEmbedding(clips))).MoveToOuterDisposeScope();
    }
}
