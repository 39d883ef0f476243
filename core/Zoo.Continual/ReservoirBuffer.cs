using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// A reservoir buffer (Vitter 1985; Mammoth <c>Buffer</c>, Chaudhry et al. 2019 "On Tiny Episodic Memories"): every
/// example of the stream has the same chance <c>capacity / seen</c> of being in memory.
/// </summary>
public sealed class ReservoirBuffer : IDisposable
{
    private Tensor? _x;
    private Tensor? _y;
    private readonly Random _rng;

    public ReservoirBuffer(int capacity, Random rng)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "the buffer needs room for at least one example.");
        Capacity = capacity;
        _rng = rng;
    }

    public int Capacity { get; }

    /// <summary>Examples offered so far.</summary>
    public long Seen { get; private set; }

    public int Count { get; private set; }

    /// <summary>Offers every row of <paramref name="data"/> to the reservoir, in a random order.</summary>
    public void Add(LabeledData data)
    {
        var order = Enumerable.Range(0, (int)data.Count).ToArray();
        _rng.Shuffle(order);
        using var _ = torch.no_grad();
        foreach (var i in order)
        {
            int slot;
            if (Count < Capacity) slot = Count++;
            else
            {
                long j = _rng.NextInt64(Seen + 1);
                slot = j < Capacity ? (int)j : -1;
            }
            Seen++;
            if (slot < 0) continue;
            if (_x is null)
            {
                var shape = data.Inputs.shape.ToArray();
                shape[0] = Capacity;
                // The buffer outlives any dispose scope it is first filled in (e.g. a training step).
                _x = torch.zeros(shape, dtype: data.Inputs.dtype).DetachFromDisposeScope();
                _y = torch.zeros(Capacity, dtype: ScalarType.Int64).DetachFromDisposeScope();
            }
            _x[slot] = data.Inputs[i];
            _y![slot] = data.Labels[i];
        }
    }

    /// <summary>The filled part of the buffer.</summary>
    public LabeledData Contents => _x is null ? throw new InvalidOperationException("The buffer is empty.") : new LabeledData(_x.narrow(0, 0, Count),
        _y!.narrow(0, 0, Count));

    /// <summary>A random mini-batch from memory (with replacement across calls, without within one).</summary>
    public (Tensor X, Tensor Y) Sample(int size, Device device)
    {
        if (Count == 0) throw new InvalidOperationException("The buffer is empty.");
        var idx = Enumerable.Range(0, Count).Select(i => (long)i).ToArray();
        _rng.Shuffle(idx);
        return Training.Take(Contents, idx.Take(Math.Min(size, Count)).ToArray(), device);
    }

    /// <summary>Stored examples per class.</summary>
    public IReadOnlyDictionary<int, int> ClassCounts() => Count == 0 ? new Dictionary<int, int>() :
        _y!.narrow(0, 0, Count).data<long>().ToArray().GroupBy(v => (int)v).ToDictionary(g => g.Key, g => g.Count());

    public void Dispose()
    {
        _x?.Dispose();
        _y?.Dispose();
    }
}
