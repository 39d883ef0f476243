using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are the reference state_dict keys

namespace Zoo.Plugins.Informer;

/// <summary>Scalar projection u_i (§3, "input representation", Fig. 6): Conv1d over time, kernel 3, circular padding 1.</summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d tokenConv;

    public TokenEmbedding(long cIn, long dModel) : base(nameof(TokenEmbedding))
    {
        // Padding 1: the reference picks it with torch.__version__ >= '1.5.0' (true on every version it supports).
        tokenConv = nn.Conv1d(cIn, dModel, 3, padding: 1, padding_mode: PaddingModes.Circular);
        RegisterComponents();
        // The reference initialises the conv with kaiming_normal_(mode='fan_in', nonlinearity='leaky_relu').
        using var _ = no_grad();
        nn.init.kaiming_normal_(tokenConv.weight!, a: 0.01, mode: nn.init.FanInOut.FanIn, nonlinearity: nn.init.NonlinearityType.LeakyReLU);
    }

    /// <summary>[B, L, c_in] -> [B, L, d_model].</summary>
    public override Tensor forward(Tensor x) => tokenConv.call(x.permute(0, 2, 1)).transpose(1, 2);
}

/// <summary>Local time stamp PE (Eq. in Appendix B): sinusoidal table of <see cref="MaxLen"/> positions, a buffer "pe".</summary>
public sealed class PositionalEmbedding : nn.Module<Tensor, Tensor>
{
    public const int MaxLen = 5000;
    private readonly Tensor pe;

    public PositionalEmbedding(long dModel) : base(nameof(PositionalEmbedding))
    {
        pe = SinusoidalTable(MaxLen, dModel).unsqueeze(0);
        RegisterComponents();
    }

    /// <summary>table[p, 2i] = sin(p / 10000^(2i/d)), table[p, 2i+1] = cos(same).</summary>
    public static Tensor SinusoidalTable(long positions, long dModel)
    {
        using var scope = NewDisposeScope();
        var table = zeros(positions, dModel);
        var position = arange(0, positions, dtype: ScalarType.Float32).unsqueeze(1);
        var divTerm = (arange(0, dModel, 2, dtype: ScalarType.Float32) * -(Math.Log(10000.0) / dModel)).exp();
        table[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = (position * divTerm).sin();
        table[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = (position * divTerm).cos()[TensorIndex.Colon, TensorIndex.Slice(0, dModel / 2)];
        return table.MoveToOuterDisposeScope();
    }

    /// <summary>Returns pe[:, :L] for x [B, L, *].</summary>
    public override Tensor forward(Tensor x)
    {
        var length = x.shape[1];
        if (length > MaxLen)
            throw new ArgumentException($"Sequence of {length} steps is longer than the positional table ({MaxLen}).");
        return pe[TensorIndex.Colon, TensorIndex.Slice(0, length)];
    }
}

/// <summary>A frozen sinusoidal lookup table ("fixed" temporal embedding); its weight is key "emb.weight".</summary>
public sealed class FixedEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Embedding emb;

    public FixedEmbedding(long cIn, long dModel) : base(nameof(FixedEmbedding))
    {
        emb = nn.Embedding(cIn, dModel);
        using (no_grad())
        {
            using var table = PositionalEmbedding.SinusoidalTable(cIn, dModel);
            emb.weight!.copy_(table);
        }
        emb.weight!.requires_grad = false;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => emb.call(x).detach();
}

/// <summary>
/// Global time stamp SE for embed = "fixed" or "learned": the sum of month, day, weekday, hour (and minute for freq t)
/// lookups. Columns of x_mark: [month, day, weekday, hour, minute/15].
/// </summary>
public sealed class TemporalEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>? minute_embed;
    private readonly nn.Module<Tensor, Tensor> hour_embed;
    private readonly nn.Module<Tensor, Tensor> weekday_embed;
    private readonly nn.Module<Tensor, Tensor> day_embed;
    private readonly nn.Module<Tensor, Tensor> month_embed;

    public TemporalEmbedding(long dModel, string embedType, char freq) : base(nameof(TemporalEmbedding))
    {
        nn.Module<Tensor, Tensor> Make(long size) => embedType == "fixed" ? new FixedEmbedding(size, dModel) : nn.Embedding(size, dModel);
        if (freq == 't') minute_embed = Make(4);
        hour_embed = Make(24);
        weekday_embed = Make(7);
        day_embed = Make(32);
        month_embed = Make(13);
        RegisterComponents();
    }

    /// <summary>Number of x_mark columns this embedding reads.</summary>
    public int Columns => minute_embed is null ? 4 : 5;

    public override Tensor forward(Tensor xMark)
    {
        if (xMark.shape[^1] < Columns)
            throw new ArgumentException($"The {nameof(TemporalEmbedding)} needs {Columns} time-mark columns " +
                $"[month, day, weekday, hour{(Columns == 5 ? ", minute" : "")}], got {xMark.shape[^1]}.");
        using var scope = NewDisposeScope();
        var x = xMark.to(ScalarType.Int64);
        Tensor Col(int i) => x[TensorIndex.Ellipsis, i];
        var sum = hour_embed.call(Col(3)) + weekday_embed.call(Col(2)) + day_embed.call(Col(1)) + month_embed.call(Col(0));
        if (minute_embed is not null) sum = sum + minute_embed.call(Col(4));
        return sum.MoveToOuterDisposeScope();
    }
}

/// <summary>Global time stamp SE for embed = "timeF": a linear map of the continuous time features.</summary>
public sealed class TimeFeatureEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Linear embed;

    public TimeFeatureEmbedding(long dModel, char freq) : base(nameof(TimeFeatureEmbedding))
    {
        embed = nn.Linear(TimeFeatures.ContinuousCount(freq), dModel);
        RegisterComponents();
    }

    public override Tensor forward(Tensor xMark) => embed.call(xMark);
}

/// <summary>Input representation (Appendix B, Fig. 6): X_feed = u + PE + SE, then dropout.</summary>
public sealed class DataEmbedding : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly TokenEmbedding value_embedding;
    private readonly PositionalEmbedding position_embedding;
    private readonly nn.Module<Tensor, Tensor> temporal_embedding;
    private readonly Dropout dropout;

    public DataEmbedding(long cIn, long dModel, string embedType, char freq, double dropoutP) : base(nameof(DataEmbedding))
    {
        value_embedding = new TokenEmbedding(cIn, dModel);
        position_embedding = new PositionalEmbedding(dModel);
        temporal_embedding = embedType == "timeF" ? new TimeFeatureEmbedding(dModel, freq) : new TemporalEmbedding(dModel, embedType, freq);
        dropout = nn.Dropout(dropoutP);
        RegisterComponents();
    }

    /// <summary>x [B, L, c_in], xMark [B, L, F] -> [B, L, d_model].</summary>
    public override Tensor forward(Tensor x, Tensor xMark)
    {
        using var scope = NewDisposeScope();
        var y = value_embedding.call(x) + position_embedding.call(x) + temporal_embedding.call(xMark);
        return dropout.call(y).MoveToOuterDisposeScope();
    }
}
