using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Layers;

/// <summary>Transformer MLP: fc1 -> GELU (erf) -> dropout -> fc2 -> dropout (timm <c>Mlp</c> names: fc1, act, drop1, fc2, drop2).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> fc1, act, drop1, fc2, drop2;
#pragma warning restore IDE1006

    public Mlp(int inFeatures, int hiddenFeatures, double drop) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(inFeatures, hiddenFeatures);
        act = nn.GELU();
        drop1 = nn.Dropout(drop);
        fc2 = nn.Linear(hiddenFeatures, inFeatures);
        drop2 = nn.Dropout(drop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = act.forward(fc1.forward(x));
        using var hd = drop1.forward(h);
        return drop2.forward(fc2.forward(hd));
    }
}
