using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>Multi-head self-attention with one fused qkv projection (timm key names attn.qkv / attn.proj).</summary>
public sealed class TemporalAttention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Linear qkv;
    private readonly TorchSharp.Modules.Linear proj;
    private readonly nn.Module<Tensor, Tensor> proj_drop;
#pragma warning restore IDE1006
    private readonly int _heads;

    public TemporalAttention(int dim, int heads, bool qkvBias, double drop) : base("Attention")
    {
        _heads = heads;
        qkv = nn.Linear(dim, dim * 3, hasBias: qkvBias);
        proj = nn.Linear(dim, dim);
        proj_drop = nn.Dropout(drop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var parts = qkv.forward(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4).unbind(0);
        var attn = parts[0].matmul(parts[1].transpose(-2, -1)).mul_(Math.Pow(c / _heads, -0.5)).softmax(-1);
        var y = proj_drop.forward(proj.forward(attn.matmul(parts[2]).transpose(1, 2).reshape(b, n, c)));
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>Transformer MLP: fc1 -> GELU -> fc2 (timm <c>Mlp</c> names).</summary>
public sealed class TemporalMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Linear fc1;
    private readonly TorchSharp.Modules.Linear fc2;
    private readonly nn.Module<Tensor, Tensor> drop;
#pragma warning restore IDE1006

    public TemporalMlp(int dim, int hidden, double dropRate) : base("Mlp")
    {
        fc1 = nn.Linear(dim, hidden);
        fc2 = nn.Linear(hidden, dim);
        drop = nn.Dropout(dropRate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return drop.forward(fc2.forward(drop.forward(nn.functional.gelu(fc1.forward(x))))).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm transformer block (ViViT Eq. 4-5 of Arnab et al.: y = MSA(LN(z)) + z; z' = MLP(LN(y)) + y).</summary>
public sealed class TemporalBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly TemporalAttention attn;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly TemporalMlp mlp;
#pragma warning restore IDE1006

    public TemporalBlock(int dim, int heads, double mlpRatio, bool qkvBias, double drop) : base("Block")
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-6);
        attn = new TemporalAttention(dim, heads, qkvBias, drop);
        norm2 = nn.LayerNorm(dim, eps: 1e-6);
        mlp = new TemporalMlp(dim, (int)(dim * mlpRatio), drop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        x = x + attn.forward(norm1.forward(x));
        x = x + mlp.forward(norm2.forward(x));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The temporal encoder of the factorised-encoder ViViT (Arnab et al. 2021, Sec. 3.3, Model 2): a learned class token is
/// prepended to the n_t frame embeddings h_i, learned 1-D position embeddings are added to all n_t + 1 tokens, L_t
/// pre-norm blocks and a final LayerNorm follow, and the class token is the clip representation (as in scenic's
/// TemporalTransformer with classifier "token").
/// </summary>
public sealed class TemporalTransformer : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Parameter cls_token;
    private readonly TorchSharp.Modules.Parameter pos_embed;
    private readonly nn.Module<Tensor, Tensor> pos_drop;
    private readonly TorchSharp.Modules.ModuleList<TemporalBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm;
#pragma warning restore IDE1006

    public TemporalTransformer(int dim, int depth, int heads, double mlpRatio, bool qkvBias, int numFrames, double drop) : base(nameof(TemporalTransformer))
    {
        if (dim % heads != 0) throw new InvalidDataException($"Invalid ViViT config: temporal width {dim} is not divisible by temporal_heads {heads}.");
        Dim = dim;
        Depth = depth;
        NumFrames = numFrames;
        cls_token = new TorchSharp.Modules.Parameter(torch.zeros(1, 1, dim));
        pos_embed = new TorchSharp.Modules.Parameter(torch.zeros(1, numFrames + 1, dim));
        pos_drop = nn.Dropout(drop);
        blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new TemporalBlock(dim, heads, mlpRatio, qkvBias, drop)).ToArray());
        norm = nn.LayerNorm(dim, eps: 1e-6);
        RegisterComponents();
        ResetRandom();
    }

    public int Dim { get; }

    public int Depth { get; }

    public int NumFrames { get; }

    /// <summary>The "random" initialisation of the ViViT reference (scenic): position embeddings N(0, 0.02) (posembed_input),
    /// class token zero, attention and MLP kernels Xavier-uniform, biases zero (scenic: N(0, 1e-6) for MLP biases), LayerNorm (1, 0).</summary>
    public void ResetRandom()
    {
        using var _ = torch.no_grad();
        pos_embed.normal_(0, 0.02);
        cls_token.zero_();
        foreach (var (_, m) in named_modules())
        {
            if (m is TorchSharp.Modules.Linear lin)
            {
                nn.init.xavier_uniform_(lin.weight!);
                lin.bias?.zero_();
            }
            else if (m is TorchSharp.Modules.LayerNorm ln)
            {
                ln.weight!.fill_(1);
                ln.bias!.zero_();
            }
        }
    }

    /// <summary>[B, n_t, D] frame embeddings -> [B, D] clip representation (the class token after the final norm).</summary>
    public override Tensor forward(Tensor frames)
    {
        if (frames.dim() != 3 || frames.shape[1] != NumFrames || frames.shape[2] != Dim)
            throw new ArgumentException(
                $"The temporal transformer expects [B, {NumFrames}, {Dim}] frame embeddings, got [{string.Join(", ", frames.shape)}].");
        using var scope = torch.NewDisposeScope();
        var x = torch.cat([cls_token.expand(frames.shape[0], -1, -1), frames], 1) + pos_embed;
        x = pos_drop.forward(x);
        foreach (var blk in blocks) x = blk.forward(x);
        return norm.forward(x).select(1, 0).MoveToOuterDisposeScope();
    }
}
