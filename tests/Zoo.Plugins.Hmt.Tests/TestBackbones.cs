using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using Zoo.Core;
using Zoo.Plugins.HybridLinearAttention;
using static TorchSharp.torch;

namespace Zoo.Plugins.Hmt.Tests;

/// <summary>
/// A tiny causal sequence model that records the length of every pass: embedding, a causal running mean mixed through a
/// linear layer, a head. Enough to check what HMT feeds its backbone.
/// </summary>
public sealed class SpySequenceModel : nn.Module<Tensor, Tensor>, ISequenceModel
{
    private readonly Embedding embed;
    private readonly Linear mix, head;

    public SpySequenceModel(int vocab = 40, int dim = 8, int maxContext = int.MaxValue) : base("Spy")
    {
        (VocabSize, ModelDim, MaxContext) = (vocab, dim, maxContext);
        embed = nn.Embedding(vocab, dim);
        mix = nn.Linear(2 * dim, dim);
        head = nn.Linear(dim, vocab);
        RegisterComponents();
    }

    public List<long> PassLengths { get; } = [];

    public int VocabSize { get; }
    public int ModelDim { get; }
    public int MaxContext { get; }

    public Tensor Embed(Tensor tokens) => embed.forward(tokens);

    public Tensor ForwardEmbeddings(Tensor x)
    {
        PassLengths.Add(x.shape[1]);
        var counts = arange(1, x.shape[1] + 1, dtype: x.dtype).view(1, -1, 1);
        var mean = x.cumsum(1) / counts;                          // causal: position i sees 0..i
        return tanh(mix.forward(cat([x, mean], -1)));
    }

    public Tensor Head(Tensor hidden) => head.forward(hidden);

    public override Tensor forward(Tensor tokens) => Head(ForwardEmbeddings(Embed(tokens)));
}

public sealed record SpyConfig
{
    public int VocabSize { get; init; } = 40;
    public int Dim { get; init; } = 8;
    public int MaxContext { get; init; } = int.MaxValue;
}

[ZooExport(typeof(IModelFactory), "spy", Task = ZooTasks.SequenceModeling)]
public sealed class SpyFactory : ModelFactory<SpyConfig>
{
    public override nn.Module Create(SpyConfig c) => new SpySequenceModel(c.VocabSize, c.Dim, c.MaxContext);
}

/// <summary>A model that is not a sequence model.</summary>
[ZooExport(typeof(IModelFactory), "linear", Task = ZooTasks.SequenceModeling)]
public sealed class NotSequenceFactory : ModelFactory<SpyConfig>
{
    public override nn.Module Create(SpyConfig c) => nn.Linear(2, 2);
}

/// <summary>The catalog a host would give HMT: hybrid-lm (the memory engineer's plugin), spy and a non-sequence model.</summary>
public static class TestCatalog
{
    public static InMemoryCatalog Create() => new InMemoryCatalog().Add<HybridLmFactory>().Add<SpyFactory>().Add<NotSequenceFactory>();

    public static ZooContext Context { get; } = ZooContext.For(Create());

    public static JsonObject TinyHybrid(string mixer = "attention") =>
        new() { ["mixer"] = mixer, ["n_layers"] = 2, ["d_model"] = 16, ["num_heads"] = 2, ["chunk_size"] = 8 };
}
