using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>One decoder block (§3.3): masked self-attention, cross-attention to the encoder output, FFN; post-norm.</summary>
public sealed class DecoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly AttentionLayer self_attention;
    private readonly AttentionLayer cross_attention;
    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly LayerNorm norm3;
    private readonly Dropout dropout;
    private readonly string act;

    public DecoderLayer(AttentionLayer selfAttention, AttentionLayer crossAttention, int dModel, int dFf, double dropoutP, string activation)
        : base(nameof(DecoderLayer))
    {
        self_attention = selfAttention;
        cross_attention = crossAttention;
        conv1 = nn.Conv1d(dModel, dFf, 1);
        conv2 = nn.Conv1d(dFf, dModel, 1);
        norm1 = nn.LayerNorm(dModel);
        norm2 = nn.LayerNorm(dModel);
        norm3 = nn.LayerNorm(dModel);
        dropout = nn.Dropout(dropoutP);
        act = activation;
        RegisterComponents();
    }

    public AttentionLayer SelfAttention => self_attention;

    public override Tensor forward(Tensor x, Tensor cross)
    {
        using var scope = NewDisposeScope();
        x = norm1.call(x + dropout.call(self_attention.forward(x, x, x)));
        x = norm2.call(x + dropout.call(cross_attention.forward(x, cross, cross)));
        var y = FeedForward.Apply(x, conv1, conv2, dropout, act);
        return norm3.call(x + y).MoveToOuterDisposeScope();
    }
}

/// <summary>The generative-style decoder (§3.3): a stack of <see cref="DecoderLayer"/> then LayerNorm.</summary>
public sealed class Decoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<DecoderLayer> layers;
    private readonly LayerNorm norm;

    public Decoder(IEnumerable<DecoderLayer> layers, int dModel) : base(nameof(Decoder))
    {
        this.layers = nn.ModuleList(layers.ToArray());
        norm = nn.LayerNorm(dModel);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor cross)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in layers) x = layer.call(x, cross);
        return norm.call(x).MoveToOuterDisposeScope();
    }
}
