using TorchSharp;
using Zoo.Toolkit.Layers;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

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
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
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
        blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new TransformerBlock(dim, heads, mlpRatio, qkvBias, 0, drop, 0)).ToArray());
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
