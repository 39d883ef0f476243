using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.Vit;

/// <summary>
/// A plain ViT (Dosovitskiy et al., arXiv:2010.11929) with timm's state_dict keys: patch embedding, class token, learned
/// position embedding, pre-norm blocks, final LayerNorm, linear head. An <see cref="IImageClassifier"/>, and an
/// <see cref="IExtensibleEncoder"/> that prompt/adapter learners (CODA-Prompt, MOS) and ViViT build on.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>, IImageClassifier, IExtensibleEncoder
{
#pragma warning disable IDE1006
    private readonly PatchEmbed patch_embed;
    private readonly TorchSharp.Modules.Parameter cls_token;
    private readonly TorchSharp.Modules.Parameter pos_embed;
    private readonly nn.Module<Tensor, Tensor> pos_drop;
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> head_drop;
    private readonly nn.Module<Tensor, Tensor> head;
#pragma warning restore IDE1006

    public VisionTransformer(VitConfig config) : base(nameof(VisionTransformer))
    {
        config.Validate();
        Config = config;
        int d = config.EmbedDim;
        patch_embed = new PatchEmbed(config.InChans, d, config.PatchSize);
        cls_token = new TorchSharp.Modules.Parameter(torch.zeros(1, 1, d));
        pos_embed = new TorchSharp.Modules.Parameter(torch.zeros(1, config.NumPatches + 1, d));
        pos_drop = nn.Dropout(config.PosDropRate);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth).Select(i => new TransformerBlock(d, config.NumHeads, config.MlpRatio, config.QkvBias,
            config.AttnDropRate, config.ProjDropRate, DropPath.Rate(config.DropPathRate, i, config.Depth))).ToArray());
        norm = nn.LayerNorm(d, eps: 1e-6);
        head_drop = nn.Dropout(config.DropRate);
        head = config.NumClasses > 0 ? nn.Linear(d, config.NumClasses) : nn.Identity();
        RegisterComponents();
        using var _ = torch.no_grad();
        TimmInit.TruncatedNormal(pos_embed, 0.02);
        nn.init.normal_(cls_token, std: 1e-6);
        TimmInit.Linears(this);
    }

    public VitConfig Config { get; }

    public ImageInputSpec InputSpec => Config.InputSpec();

    public int EmbeddingDim => Config.EmbedDim;

    public int NumClasses => Config.NumClasses;

    public int Depth => Config.Depth;

    public int Width => Config.EmbedDim;

    public int Heads => Config.NumHeads;

    /// <summary>All tokens after the final LayerNorm, [B, n+1, d].</summary>
    public Tensor ForwardFeatures(Tensor x) => ForwardFeatures(x, null);

    /// <summary>All tokens after the final LayerNorm with a learner's extension in every block (null: the plain ViT).</summary>
    public Tensor ForwardFeatures(Tensor x, IEncoderExtension? extension)
    {
        if (x.dim() != 4 || x.shape[1] != Config.InChans || x.shape[2] != Config.ImgSize || x.shape[3] != Config.ImgSize)
            throw new ArgumentException($"ViT expects images [B, {Config.InChans}, {Config.ImgSize}, {Config.ImgSize}], got [{string.Join(", ", x.shape)}].");
        using var scope = torch.NewDisposeScope();
        var s = patch_embed.forward(x);
        s = pos_drop.forward(AttentionOps.Residual(torch.cat([cls_token.expand(x.shape[0], -1, -1), s], 1), pos_embed));
        if (extension is null)
            foreach (var blk in blocks) s = blk.forward(s);
        else
            for (int i = 0; i < blocks.Count; i++) s = blocks[i].Forward(s, extension, i);
        return norm.forward(s).MoveToOuterDisposeScope();
    }

    private Tensor Pool(Tensor tokens) => Config.GlobalPool == "avg"
        ? tokens.narrow(1, 1, tokens.shape[1] - 1).mean([1])
        : tokens.select(1, 0);

    public Tensor Encode(Tensor images) => Encode(images, null);

    /// <summary>Pooled feature with a learner's prompts/adapters inside the blocks (Zoo.Core <see cref="IExtensibleEncoder"/>).</summary>
    public Tensor Encode(Tensor images, IEncoderExtension? extension)
    {
        using var scope = torch.NewDisposeScope();
        return Pool(ForwardFeatures(images, extension)).MoveToOuterDisposeScope();
    }

    public Tensor Classify(Tensor images) => forward(images);

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(head_drop.forward(Pool(ForwardFeatures(x)))).MoveToOuterDisposeScope();
    }
}
