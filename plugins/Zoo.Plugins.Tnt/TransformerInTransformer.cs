using TorchSharp;
using Zoo.Toolkit.Layers;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>
/// TNT (Han et al., "Transformer in Transformer", NeurIPS 2021, arXiv:2103.00112), laid out as timm's <c>TNT</c>
/// so its state_dict keys are timm's. forward: [B, C, H, W] -> logits [B, num_classes]. As an encoder it returns the
/// pre-head feature (final LayerNorm, class token or patch mean by <c>global_pool</c>).
/// </summary>
public sealed class TransformerInTransformer : nn.Module<Tensor, Tensor>, IImageClassifier
{
#pragma warning disable IDE1006
    private readonly PixelEmbed pixel_embed;
    private readonly nn.Module<Tensor, Tensor> norm1_proj;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor> norm2_proj;
    private readonly TorchSharp.Modules.Parameter cls_token;
    private readonly TorchSharp.Modules.Parameter patch_pos;
    private readonly TorchSharp.Modules.Parameter pixel_pos;
    private readonly nn.Module<Tensor, Tensor> pos_drop;
    private readonly TorchSharp.Modules.ModuleList<TntBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> head_drop;
    private readonly nn.Module<Tensor, Tensor> head;
#pragma warning restore IDE1006

    public TransformerInTransformer(TntConfig config) : base("TNT")
    {
        config.Validate();
        Config = config;
        int m = config.NumWords, c = config.InnerDim, d = config.EmbedDim;
        pixel_embed = new PixelEmbed(config);
        // Sentence initialisation: LN(m*c) -> Linear(bias) -> LN(d) in both layouts.
        norm1_proj = nn.LayerNorm(m * c, eps: 1e-5);
        proj = nn.Linear(m * c, d);
        norm2_proj = nn.LayerNorm(d, eps: 1e-5);
        cls_token = new TorchSharp.Modules.Parameter(torch.zeros(1, 1, d));
        patch_pos = new TorchSharp.Modules.Parameter(torch.zeros(1, config.NumPatches + 1, d));
        pixel_pos = new TorchSharp.Modules.Parameter(torch.zeros(1, c, config.WordGrid, config.WordGrid));
        pos_drop = nn.Dropout(config.PosDropRate);
        var blockList = new TntBlock[config.Depth];
        for (int i = 0; i < config.Depth; i++)
            blockList[i] = new TntBlock(config, DropPath.Rate(config.DropPathRate, i, config.Depth));   // linear stochastic-depth rule
        blocks = nn.ModuleList(blockList);
        norm = nn.LayerNorm(d, eps: 1e-5);
        head_drop = nn.Dropout(config.DropRate);
        head = config.NumClasses > 0 ? nn.Linear(d, config.NumClasses) : nn.Identity();
        RegisterComponents();
        InitWeights();
    }

    public TntConfig Config { get; }

    public ImageInputSpec InputSpec => Config.InputSpec();

    public int EmbeddingDim => Config.EmbedDim;

    public int NumClasses => Config.NumClasses;

    /// <summary>timm init: trunc_normal(.02) for Linear weights and the three embeddings, zero biases, LayerNorm (1, 0).</summary>
    private void InitWeights()
    {
        using var _ = torch.no_grad();
        TimmInit.TruncatedNormal(cls_token, 0.02);
        TimmInit.TruncatedNormal(patch_pos, 0.02);
        TimmInit.TruncatedNormal(pixel_pos, 0.02);
        TimmInit.Linears(this);
        TimmInit.LayerNorms(this);
    }

    private void CheckInput(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Config.InChans || x.shape[2] != Config.ImgSize || x.shape[3] != Config.ImgSize)
            throw new ArgumentException($"TNT expects images [B, {Config.InChans}, {Config.ImgSize}, {Config.ImgSize}], got [{string.Join(", ", x.shape)}].");
    }

    /// <summary>Visual words with their position embedding: [B*n, m, c] (fixture output "pixel_embed").</summary>
    public Tensor PixelEmbedding(Tensor x)
    {
        CheckInput(x);
        using var scope = torch.NewDisposeScope();
        var y = AttentionOps.Residual(pixel_embed.forward(x), pixel_pos);                      // [B*n, c, w, w]
        var words = y.reshape(y.shape[0], Config.InnerDim, -1).transpose(1, 2);   // row-major word order
        return words.MoveToOuterDisposeScope();
    }

    /// <summary>Initial visual sentences [B, n+1, d]: projected words, class token prepended, patch_pos added.</summary>
    public Tensor InitialSentences(Tensor words, long batch)
    {
        using var scope = torch.NewDisposeScope();
        var s = norm2_proj.forward(proj.forward(norm1_proj.forward(words.reshape(batch, Config.NumPatches, -1))));
        s = AttentionOps.Residual(torch.cat([cls_token.expand(batch, -1, -1), s], 1), patch_pos);
        return pos_drop.forward(s).MoveToOuterDisposeScope();
    }

    /// <summary>All tokens after the final LayerNorm, [B, n+1, d] (fixture output "features"; timm forward_features).</summary>
    public Tensor ForwardFeatures(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0];
        var words = PixelEmbedding(x);
        var s = InitialSentences(words, b);
        foreach (var blk in blocks)
            (words, s) = blk.forward(words, s);
        return norm.forward(s).MoveToOuterDisposeScope();
    }

    /// <summary>Pools the token features: class token ("token") or mean of the patch tokens ("avg").</summary>
    private Tensor Pool(Tensor tokens) => Config.GlobalPool == "avg"
        ? tokens.narrow(1, 1, tokens.shape[1] - 1).mean([1])
        : tokens.select(1, 0);

    /// <summary>[B, C, H, W] -> pre-head features [B, d].</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return Pool(ForwardFeatures(images)).MoveToOuterDisposeScope();
    }

    public Tensor Classify(Tensor images) => forward(images);

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(head_drop.forward(Pool(ForwardFeatures(x)))).MoveToOuterDisposeScope();
    }
}
