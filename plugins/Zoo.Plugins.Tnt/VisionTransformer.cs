using System.Text.Json.Serialization;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

/// <summary>Constructor arguments of timm's <c>VisionTransformer</c> (the subset a plain ViT-with-class-token needs).</summary>
public sealed record VitConfig
{
    public int ImgSize { get; init; } = 224;
    public int PatchSize { get; init; } = 16;
    public int InChans { get; init; } = 3;
    public int NumClasses { get; init; } = 1000;
    public string GlobalPool { get; init; } = "token";
    public int EmbedDim { get; init; } = 384;
    public int Depth { get; init; } = 12;
    public int NumHeads { get; init; } = 6;
    public double MlpRatio { get; init; } = 4.0;
    public bool QkvBias { get; init; } = true;
    public double DropRate { get; init; }
    public double PosDropRate { get; init; }
    public double ProjDropRate { get; init; }
    public double AttnDropRate { get; init; }
    public double DropPathRate { get; init; }
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }

    [JsonIgnore] public int GridSize => ImgSize / PatchSize;
    [JsonIgnore] public int NumPatches => GridSize * GridSize;

    /// <summary>The plain ViT with the outer transformer of <paramref name="tnt"/> (same width, depth, heads, patches): the TNT baseline.</summary>
    public static VitConfig SameAs(TntConfig tnt) => new()
    {
        ImgSize = tnt.ImgSize, PatchSize = tnt.PatchSize, InChans = tnt.InChans, NumClasses = tnt.NumClasses, GlobalPool = tnt.GlobalPool,
        EmbedDim = tnt.EmbedDim, Depth = tnt.Depth, NumHeads = tnt.NumHeadsOuter, MlpRatio = tnt.MlpRatio, QkvBias = tnt.QkvBias,
        DropRate = tnt.DropRate, PosDropRate = tnt.PosDropRate, ProjDropRate = tnt.ProjDropRate, AttnDropRate = tnt.AttnDropRate,
        DropPathRate = tnt.DropPathRate, Mean = tnt.Mean, Std = tnt.Std,
    };

    public void Validate()
    {
        void Need(bool ok, string msg) { if (!ok) throw new InvalidDataException($"Invalid ViT config: {msg}"); }
        Need(ImgSize > 0 && PatchSize > 0 && ImgSize % PatchSize == 0, $"img_size ({ImgSize}) must be a positive multiple of patch_size ({PatchSize}).");
        Need(InChans > 0 && NumClasses >= 0 && Depth > 0 && MlpRatio > 0, "in_chans, depth, mlp_ratio must be positive and num_classes >= 0.");
        Need(EmbedDim > 0 && NumHeads > 0 && EmbedDim % NumHeads == 0, $"embed_dim ({EmbedDim}) must be divisible by num_heads ({NumHeads}).");
        Need(GlobalPool is "token" or "avg", $"global_pool must be \"token\" or \"avg\", got \"{GlobalPool}\".");
        Need(Mean is null || Mean.Length == InChans, $"mean has {Mean?.Length} values for {InChans} channels.");
        Need(Std is null || (Std.Length == InChans && Std.All(s => s > 0)), $"std must have {InChans} positive values.");
    }

    public ImageInputSpec InputSpec() => new(ImgSize, ImgSize, InChans,
        Mean ?? Enumerable.Repeat(0.5f, InChans).ToArray(), Std ?? Enumerable.Repeat(0.5f, InChans).ToArray());
}

/// <summary>timm ViT attention: one fused qkv Linear, softmax(q k^T / sqrt(d_head)) v, proj.</summary>
public sealed class VitAttention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> qkv;
    private readonly nn.Module<Tensor, Tensor> attn_drop;
    private readonly nn.Module<Tensor, Tensor> proj;
    private readonly nn.Module<Tensor, Tensor> proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly Scalar _scale;

    public VitAttention(int dim, int heads, bool qkvBias, double attnDrop, double projDrop) : base("Attention")
    {
        _heads = heads;
        _scale = Math.Pow(dim / heads, -0.5).ToScalar();
        qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        attn_drop = nn.Dropout(attnDrop);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(projDrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>
    /// Attention with optional prefix keys/values [B, Lp, C] (prefix-tuning, Li &amp; Liang 2021; the form CODA-Prompt uses):
    /// they are prepended to the projected keys and values, so softmax runs over Lp + n positions and the output keeps n tokens.
    /// </summary>
    public Tensor Forward(Tensor x, (Tensor Keys, Tensor Values)? prefix)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var parts = qkv.forward(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4).unbind(0);
        Tensor k = parts[1], v = parts[2];
        if (prefix is var (pk, pv))
        {
            if (pk.dim() != 3 || pv.dim() != 3 || pk.shape[0] != b || pv.shape[0] != b || pk.shape[2] != c || pv.shape[2] != c || pk.shape[1] != pv.shape[1])
                throw new ArgumentException($"ViT attention prefix: keys and values must both be [{b}, Lp, {c}], got [{string.Join(", ", pk.shape)}] and [{string.Join(", ", pv.shape)}].");
            k = torch.cat([pk.reshape(b, -1, _heads, c / _heads).permute(0, 2, 1, 3), k], 2);
            v = torch.cat([pv.reshape(b, -1, _heads, c / _heads).permute(0, 2, 1, 3), v], 2);
        }
        var attn = attn_drop.forward(parts[0].matmul(k.transpose(-2, -1)).mul_(_scale).softmax(-1));
        var y = proj_drop.forward(proj.forward(attn.matmul(v).transpose(1, 2).reshape(b, n, c)));
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>timm ViT block: x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly VitAttention attn;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly Mlp mlp;
    private readonly DropPath drop_path;
#pragma warning restore IDE1006

    public VitBlock(VitConfig c, double dropPath) : base("Block")
    {
        norm1 = nn.LayerNorm(c.EmbedDim, eps: 1e-6);
        attn = new VitAttention(c.EmbedDim, c.NumHeads, c.QkvBias, c.AttnDropRate, c.ProjDropRate);
        norm2 = nn.LayerNorm(c.EmbedDim, eps: 1e-6);
        mlp = new Mlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), c.ProjDropRate);
        drop_path = new DropPath(dropPath);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        x = Scalars.Add(x, drop_path.forward(attn.forward(norm1.forward(x))));
        x = Scalars.Add(x, drop_path.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block with a learner's extension (Zoo.Core <see cref="IEncoderExtension"/>): prefix keys/values in the attention and
    /// an adapter in parallel with the MLP branch (AdaptFormer "parallel": x + mlp(norm2(x)) + adapter(x)).
    /// </summary>
    public Tensor Forward(Tensor x, IEncoderExtension extension, int layer)
    {
        using var scope = torch.NewDisposeScope();
        x = Scalars.Add(x, drop_path.forward(attn.Forward(norm1.forward(x), extension.Prefix(layer, x))));
        var adapted = extension.Adapter(layer, x);
        var y = Scalars.Add(x, drop_path.forward(mlp.forward(norm2.forward(x))));
        if (adapted is not null)
        {
            if (!adapted.shape.SequenceEqual(x.shape))
                throw new ArgumentException($"ViT block {layer}: the adapter returned [{string.Join(", ", adapted.shape)}], expected [{string.Join(", ", x.shape)}].");
            y = Scalars.Add(y, adapted);
        }
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>Patch embedding: a P x P conv with stride P (timm <c>patch_embed.proj</c>).</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> proj;
#pragma warning restore IDE1006

    public PatchEmbed(int inChans, int embedDim, int patch) : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(inChans, embedDim, kernel_size: patch, stride: patch);
        RegisterComponents();
    }

    /// <summary>[B, C, H, W] -> [B, n, d] (patches row-major).</summary>
    public override Tensor forward(Tensor x)
    {
        using var y = proj.forward(x);
        return y.flatten(2).transpose(1, 2);
    }
}

/// <summary>
/// A plain ViT (Dosovitskiy et al., arXiv:2010.11929) with timm's state_dict keys: the TNT paper's baseline, i.e. TNT
/// without the inner transformer. Used by <c>zoo bench tnt</c> and exported as its own "vit" model / image encoder.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>, IImageClassifier, IExtensibleEncoder
{
#pragma warning disable IDE1006
    private readonly PatchEmbed patch_embed;
    private readonly TorchSharp.Modules.Parameter cls_token;
    private readonly TorchSharp.Modules.Parameter pos_embed;
    private readonly nn.Module<Tensor, Tensor> pos_drop;
    private readonly TorchSharp.Modules.ModuleList<VitBlock> blocks;
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
        var list = new VitBlock[config.Depth];
        for (int i = 0; i < config.Depth; i++)
            list[i] = new VitBlock(config, config.Depth == 1 ? 0 : config.DropPathRate * i / (config.Depth - 1));
        blocks = nn.ModuleList(list);
        norm = nn.LayerNorm(d, eps: 1e-6);
        head_drop = nn.Dropout(config.DropRate);
        head = config.NumClasses > 0 ? nn.Linear(d, config.NumClasses) : nn.Identity();
        RegisterComponents();
        using var _ = torch.no_grad();
        TruncatedNormal.Fill(pos_embed, 0.02);
        nn.init.normal_(cls_token, std: 1e-6);
        foreach (var (_, module) in named_modules())
            if (module is TorchSharp.Modules.Linear lin)
            {
                TruncatedNormal.Fill(lin.weight, 0.02);
                if (lin.bias is not null) nn.init.zeros_(lin.bias);
            }
    }

    public VitConfig Config { get; }

    public ImageInputSpec InputSpec => Config.InputSpec();

    public int EmbeddingDim => Config.EmbedDim;

    public int NumClasses => Config.NumClasses;

    /// <summary>All tokens after the final LayerNorm, [B, n+1, d].</summary>
    public Tensor ForwardFeatures(Tensor x) => ForwardFeatures(x, null);

    /// <summary>All tokens after the final LayerNorm with a learner's extension in every block (null: the plain ViT).</summary>
    public Tensor ForwardFeatures(Tensor x, IEncoderExtension? extension)
    {
        if (x.dim() != 4 || x.shape[1] != Config.InChans || x.shape[2] != Config.ImgSize || x.shape[3] != Config.ImgSize)
            throw new ArgumentException($"ViT expects images [B, {Config.InChans}, {Config.ImgSize}, {Config.ImgSize}], got [{string.Join(", ", x.shape)}].");
        using var scope = torch.NewDisposeScope();
        var s = patch_embed.forward(x);
        s = pos_drop.forward(Scalars.Add(torch.cat([cls_token.expand(x.shape[0], -1, -1), s], 1), pos_embed));
        if (extension is null)
            foreach (var blk in blocks) s = blk.forward(s);
        else
            for (int i = 0; i < blocks.Count; i++) s = blocks[i].Forward(s, extension, i);
        return norm.forward(s).MoveToOuterDisposeScope();
    }

    private Tensor Pool(Tensor tokens) => Config.GlobalPool == "avg"
        ? tokens.narrow(1, 1, tokens.shape[1] - 1).mean([1])
        : tokens.select(1, 0);

    public Tensor Encode(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return Pool(ForwardFeatures(images)).MoveToOuterDisposeScope();
    }

    public int Depth => Config.Depth;

    public int Width => Config.EmbedDim;

    public int Heads => Config.NumHeads;

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
