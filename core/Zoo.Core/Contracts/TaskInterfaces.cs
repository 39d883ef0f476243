using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>A time-series forecaster (encoder window in, horizon out), e.g. Informer.</summary>
public interface IForecaster
{
    /// <summary>Steps of history the model reads.</summary>
    int InputLength { get; }

    /// <summary>Steps the model predicts in one pass.</summary>
    int Horizon { get; }

    /// <summary>Channels of the history the model reads.</summary>
    int InputChannels { get; }

    /// <summary>Channels the model predicts.</summary>
    int OutputChannels { get; }

    /// <summary>Time features per step (0 when the model uses none).</summary>
    int TimeFeatureCount { get; }

    /// <summary>The model's encoding of timestamps, row-major [stamps.Count, TimeFeatureCount].</summary>
    float[] EncodeTime(IReadOnlyList<DateTime> stamps);

    /// <summary>
    /// Forecast. <paramref name="history"/>: [B, InputLength, C_in]; <paramref name="historyTime"/> and
    /// <paramref name="futureTime"/>: time features [B, InputLength, F] and [B, Horizon, F] (may be empty when unused);
    /// <paramref name="decoderInput"/>: model-specific decoder input or null. Returns [B, Horizon, C_out].
    /// </summary>
    Tensor Forecast(Tensor history, Tensor historyTime, Tensor? decoderInput, Tensor futureTime);
}

/// <summary>A clip: <paramref name="Frames"/> frames of <paramref name="Frame"/> each; input [batch, frames, channels, height, width].</summary>
public sealed record VideoInputSpec(int Frames, ImageInputSpec Frame);

/// <summary>Preprocessing an image model expects.</summary>

public sealed record ImageInputSpec(int Height, int Width, int Channels, float[] Mean, float[] Std);

/// <summary>Maps an image batch to one feature vector per image.</summary>
public interface IImageEncoder
{
    ImageInputSpec InputSpec { get; }

    /// <summary>Width of the feature vector.</summary>
    int EmbeddingDim { get; }

    /// <summary>[B, C, H, W] normalised images -> [B, EmbeddingDim].</summary>
    Tensor Encode(Tensor images);
}

/// <summary>An image classifier (an image encoder with a head).</summary>
public interface IImageClassifier : IImageEncoder
{
    int NumClasses { get; }

    /// <summary>[B, C, H, W] -> logits [B, NumClasses].</summary>
    Tensor Classify(Tensor images);
}

/// <summary>A video classifier.</summary>
public interface IVideoClassifier
{
    /// <summary>Frames per clip and the frame format the model expects (null: not declared).</summary>
    VideoInputSpec? InputSpec => null;

    int NumClasses { get; }

    /// <summary>[B, T, C, H, W] -> logits [B, NumClasses].</summary>
    Tensor Classify(Tensor clips);
}

/// <summary>A causal sequence (language) model over token ids.</summary>
public interface ISequenceModel
{
    int VocabSize { get; }

    /// <summary>Width of the token embeddings.</summary>
    int ModelDim { get; }

    /// <summary>Longest context the model accepts (its window); int.MaxValue when unbounded.</summary>
    int MaxContext { get; }

    /// <summary>Token ids [B, L] (int64) -> embeddings [B, L, ModelDim].</summary>
    Tensor Embed(Tensor tokens);

    /// <summary>Embeddings [B, L, ModelDim] -> final hidden states [B, L, ModelDim] (before the LM head).</summary>
    Tensor ForwardEmbeddings(Tensor embeddings);

    /// <summary>Hidden states [B, L, ModelDim] -> logits [B, L, VocabSize].</summary>
    Tensor Head(Tensor hidden);
}

/// <summary>
/// A causal language model seen from outside: token ids [batch, time] in, next-token logits [batch, time, vocab]
/// out. Models that wrap a sequence model (HMT's segments and memory) serve this where <see cref="ISequenceModel"/>'s
/// embed/forward/head split does not fit.
/// </summary>
public interface ICausalLanguageModel
{
    int VocabSize { get; }

    /// <summary>Next-token logits for every position.</summary>
    Tensor Logits(Tensor tokens);
}
