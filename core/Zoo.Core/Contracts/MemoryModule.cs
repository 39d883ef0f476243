using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// The explicit state of a memory module (Titans/Miras/ATLAS memories, linear-attention recurrences,
/// HMT's memory cache). A value the caller owns: create it, pass it in, receive the next one.
/// Tensors are named so a state can be saved, compared against fixtures or inspected.
/// </summary>
public sealed class MemoryState : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    public MemoryState(IDictionary<string, Tensor> tensors) => _tensors = new Dictionary<string, Tensor>(tensors);

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    public Tensor this[string name] => _tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"Memory state has no tensor '{name}' (has: {string.Join(", ", _tensors.Keys)}).");

    /// <summary>A copy cut from the autograd graph (truncated back-propagation through time).</summary>
    public MemoryState Detach() => new(_tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach()));

    /// <summary>Moves every tensor out of the current dispose scope, so the state outlives it.</summary>
    public MemoryState MoveToOuterDisposeScope()
    {
        foreach (var t in _tensors.Values) t.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}

/// <summary>A token mixer with explicit state: memory modules and recurrences.</summary>
public interface IMemoryModule
{
    /// <summary>Width of the inputs and outputs.</summary>
    int ModelDim { get; }

    /// <summary>The state before any token (the "reset" state) for a batch.</summary>
    MemoryState InitialState(int batchSize, Device? device = null);

    /// <summary>
    /// Reads a chunk <paramref name="x"/> [B, T, ModelDim] starting from <paramref name="state"/>;
    /// returns the outputs [B, T, ModelDim] and the state after the last token. The input state is not modified.
    /// </summary>
    (Tensor Output, MemoryState State) Forward(Tensor x, MemoryState state);
}
