using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// The compact adapter of Gowda et al. 2023 (Sec. 3): a small trainable module between the frozen spatial encoder's
/// per-frame class embeddings [B, n_t, D_s] and the temporal transformer [B, n_t, D_t]. Because the spatial encoder is
/// frozen, this is the only place the per-frame representation can still adapt to the video task.
/// <list type="bullet">
/// <item>bottleneck: <c>proj</c> (only when D_s != D_t), then z + up(GELU(down(LN(z)))) with <c>up</c> zero-initialised,
/// so the adapter starts as the identity and a temporal transformer copied from the spatial layers sees the features it
/// was trained on.</item>
/// <item>linear: one Linear(D_s, D_t).</item>
/// <item>none: identity (D_s must equal D_t): naive freezing.</item>
/// </list>
/// </summary>
public sealed class CompactAdapter : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Linear? proj;
    private readonly TorchSharp.Modules.LayerNorm? norm;
    private readonly TorchSharp.Modules.Linear? down;
    private readonly TorchSharp.Modules.Linear? up;
#pragma warning restore IDE1006

    public CompactAdapter(AdapterKind kind, int inDim, int outDim, int bottleneck) : base(nameof(CompactAdapter))
    {
        Kind = kind;
        InDim = inDim;
        OutDim = outDim;
        switch (kind)
        {
            case AdapterKind.None:
                if (inDim != outDim)
                    throw new InvalidDataException($"Invalid ViViT config: adapter none needs the spatial width ({inDim}) " +
                        $"to equal the temporal width ({outDim}); use linear or bottleneck.");
                break;
            case AdapterKind.Linear:
                proj = nn.Linear(inDim, outDim);
                break;
            case AdapterKind.Bottleneck:
                if (inDim != outDim) proj = nn.Linear(inDim, outDim);
                norm = nn.LayerNorm(outDim, eps: 1e-6);
                down = nn.Linear(outDim, bottleneck);
                up = nn.Linear(bottleneck, outDim);
                break;
        }
        RegisterComponents();
        using var _ = torch.no_grad();
        foreach (var lin in new[] { proj, down })
            if (lin is not null)
            {
                nn.init.xavier_uniform_(lin.weight!);
                lin.bias!.zero_();
            }
        if (up is not null)
        {
            up.weight!.zero_();
            up.bias!.zero_();
        }
    }

    public AdapterKind Kind { get; }

    public int InDim { get; }

    public int OutDim { get; }

    /// <summary>[..., D_s] -> [..., D_t].</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.shape[^1] != InDim)
            throw new ArgumentException($"The adapter expects embeddings of width {InDim}, got [{string.Join(", ", x.shape)}].");
        using var scope = torch.NewDisposeScope();
        var z = proj is null ? x.alias() : proj.forward(x);
        if (Kind == AdapterKind.Bottleneck)
            z = z + up!.forward(nn.functional.gelu(down!.forward(norm!.forward(z))));
        return z.MoveToOuterDisposeScope();
    }
}
