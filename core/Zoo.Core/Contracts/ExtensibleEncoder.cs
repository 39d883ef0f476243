using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// Per-block additions a learner puts inside a transformer encoder without owning its code: prefix keys/values for
/// the attention (prefix-tuning, e.g. CODA-Prompt, DualPrompt) and an adapter beside the MLP branch (AdaptFormer-style,
/// e.g. MOS, EASE). Created per forward pass (a prompt may depend on the batch). Returning null means "nothing here".
/// </summary>
public interface IEncoderExtension
{
    /// <summary>
    /// Prefix for the attention of block <paramref name="layer"/> (0-based). <paramref name="tokens"/> is the block input
    /// [B, N, Width]. Returns keys and values [B, Lp, Width] (Lp may differ between keys and values only if the encoder
    /// allows it; equal lengths are expected) in the space of the projected keys/values (after the key/value projections,
    /// before splitting heads); they are concatenated in front of the block's own keys and values, so the block's queries
    /// attend to them and the token count of the output stays N.
    /// </summary>
    (Tensor Keys, Tensor Values)? Prefix(int layer, Tensor tokens);

    /// <summary>
    /// Adapter output for block <paramref name="layer"/>: <paramref name="hidden"/> is the residual stream after the
    /// attention branch [B, N, Width] (the MLP branch's input before its norm); the returned [B, N, Width] is added to the
    /// block output in parallel with the MLP: x = x + mlp(norm2(x)) + adapter(x).
    /// </summary>
    Tensor? Adapter(int layer, Tensor hidden);
}

/// <summary>
/// A transformer image encoder whose blocks accept an <see cref="IEncoderExtension"/>. With a null extension (or one
/// that returns null everywhere) <see cref="Encode(Tensor, IEncoderExtension?)"/> equals <see cref="IImageEncoder.Encode"/>.
/// </summary>
public interface IExtensibleEncoder : IImageEncoder
{
    /// <summary>Number of transformer blocks (valid layer indices are 0..Depth-1).</summary>
    int Depth { get; }

    /// <summary>Token width of the blocks (prefix and adapter tensors have this last dimension).</summary>
    int Width { get; }

    /// <summary>Number of attention heads (a prefix width must be divisible by it).</summary>
    int Heads { get; }

    /// <summary>[B, C, H, W] normalised images -> [B, EmbeddingDim], with the extension applied in every block.</summary>
    Tensor Encode(Tensor images, IEncoderExtension? extension);
}
