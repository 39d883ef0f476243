using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>
/// Self-attention distilling (§3.2, Eq. 5; the reference's ConvLayer):
/// X_{j+1} = MaxPool(ELU(BatchNorm(Conv1d(X_j)))), kernel 3 circular conv, max-pool k=3 s=2 p=1: L -> ceil(L/2).
/// </summary>
public sealed class ConvLayer : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d downConv;
    private readonly BatchNorm1d norm;
    private readonly ELU activation;
    private readonly MaxPool1d maxPool;

    public ConvLayer(long cIn) : base(nameof(ConvLayer))
    {
        downConv = nn.Conv1d(cIn, cIn, 3, padding: 1, padding_mode: PaddingModes.Circular);
        norm = nn.BatchNorm1d(cIn);
        activation = nn.ELU();
        maxPool = nn.MaxPool1d(3, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <summary>Length after distilling: floor((L + 2 - 3) / 2) + 1 = ceil(L / 2).</summary>
    public static long OutputLength(long length) => (length - 1) / 2 + 1;

    /// <summary>[B, L, d] -> [B, ceil(L/2), d].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = downConv.call(x.permute(0, 2, 1));
        y = maxPool.call(activation.call(norm.call(y)));
        return y.transpose(1, 2).MoveToOuterDisposeScope();
    }
}
