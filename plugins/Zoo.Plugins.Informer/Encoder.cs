using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>Position-wise feed-forward with 1x1 convolutions and gelu/relu, shared by encoder and decoder layers.</summary>
internal static class FeedForward
{
    public static Tensor Apply(Tensor x, Conv1d conv1, Conv1d conv2, Dropout dropout, string activation)
    {
        var y = conv1.call(x.transpose(-1, 1));
        y = dropout.call(activation == "relu" ? nn.functional.relu(y) : nn.functional.gelu(y));
        return dropout.call(conv2.call(y).transpose(-1, 1));
    }
}

/// <summary>One encoder block (Fig. 3, post-norm): x = norm1(x + Attn(x)); out = norm2(x + FFN(x)).</summary>
public sealed class EncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly AttentionLayer attention;
    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout;
    private readonly string act;

    public EncoderLayer(AttentionLayer attention, int dModel, int dFf, double dropoutP, string activation) : base(nameof(EncoderLayer))
    {
        this.attention = attention;
        conv1 = nn.Conv1d(dModel, dFf, 1);
        conv2 = nn.Conv1d(dFf, dModel, 1);
        norm1 = nn.LayerNorm(dModel);
        norm2 = nn.LayerNorm(dModel);
        dropout = nn.Dropout(dropoutP);
        act = activation;
        RegisterComponents();
    }

    public AttentionLayer Attention => attention;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = norm1.call(x + dropout.call(attention.forward(x, x, x)));
        var y = FeedForward.Apply(x, conv1, conv2, dropout, act);
        return norm2.call(x + y).MoveToOuterDisposeScope();
    }
}

/// <summary>The encoder (§3.2): attention blocks with a distilling <see cref="ConvLayer"/> between consecutive blocks, then LayerNorm.</summary>
public sealed class Encoder : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<EncoderLayer> attn_layers;
    private readonly ModuleList<ConvLayer>? conv_layers;
    private readonly LayerNorm norm;

    public Encoder(IEnumerable<EncoderLayer> attnLayers, IEnumerable<ConvLayer>? convLayers, int dModel) : base(nameof(Encoder))
    {
        attn_layers = nn.ModuleList(attnLayers.ToArray());
        conv_layers = convLayers is null ? null : nn.ModuleList(convLayers.ToArray());
        norm = nn.LayerNorm(dModel);
        RegisterComponents();
    }

    public IReadOnlyList<EncoderLayer> Layers => attn_layers.ToList();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (conv_layers is not null)
        {
            for (int i = 0; i < conv_layers.Count; i++) x = conv_layers[i].call(attn_layers[i].call(x));
            x = attn_layers[attn_layers.Count - 1].call(x);
        }
        else
        {
            foreach (var layer in attn_layers) x = layer.call(x);
        }
        return norm.call(x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The encoder stack (§3.2, Fig. 3 "replicas"): encoder i reads the last L / 2^i steps of the embedded input; the outputs
/// are concatenated along time.
/// </summary>
public sealed class EncoderStack : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Encoder> encoders;

    public EncoderStack(IEnumerable<Encoder> encoders) : base(nameof(EncoderStack))
    {
        this.encoders = nn.ModuleList(encoders.ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var outs = new List<Tensor>();
        for (int i = 0; i < encoders.Count; i++)
        {
            long inpLen = x.shape[1] >> i;
            if (inpLen < 1) throw new ArgumentException($"Encoder stack level {i} gets an empty input: the " +
                $"sequence of {x.shape[1]} steps is too short for {encoders.Count} levels.");
            outs.Add(encoders[i].call(x[TensorIndex.Colon, TensorIndex.Slice(-inpLen, null)]));
        }
        return cat(outs, -2).MoveToOuterDisposeScope();
    }
}
