using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Data;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>Options of the Split-Digits benchmarks.</summary>
public sealed record SplitDigitsOptions
{
    public int Tasks { get; init; } = 5;
    public int ClassesPerTask { get; init; } = 2;
    public double TestFraction { get; init; } = 0.2;
    public long Seed { get; init; }
    /// <summary>Class order (null: 0..9 as in Split MNIST's {0,1},{2,3},...).</summary>
    public IReadOnlyList<int>? ClassOrder { get; init; }
}

/// <summary>
/// Split-Digits: the UCI digits split into <c>Tasks</c> tasks of <c>ClassesPerTask</c> classes ({0,1},{2,3},...,{8,9}),
/// the CI stand-in for Split MNIST (Avalanche SplitMNIST(5), Mammoth seq-mnist). Labels stay global (0..9) so the same
/// stream serves class-incremental (one head, no task id) and task-incremental (task id given, logits masked) runs.
/// </summary>
public static class SplitDigits
{
    public static IReadOnlyList<ContinualTask> Build(DigitsCsv digits, ImageInputSpec spec, SplitDigitsOptions? options = null)
    {
        var o = options ?? new SplitDigitsOptions();
        var order = o.ClassOrder ?? Enumerable.Range(0, 10).ToArray();
        if (o.Tasks < 1 || o.ClassesPerTask < 1 || o.Tasks * o.ClassesPerTask > order.Count)
            throw new ArgumentException($"Split-Digits: {o.Tasks} tasks x {o.ClassesPerTask} classes do not fit the {order.Count} classes.");
        var (train, test) = digits.StratifiedSplit(o.TestFraction, o.Seed);
        var tasks = new List<ContinualTask>();
        for (int t = 0; t < o.Tasks; t++)
        {
            var classes = order.Skip(t * o.ClassesPerTask).Take(o.ClassesPerTask).ToArray();
            var set = classes.ToHashSet();
            var tr = train.Where(i => set.Contains(digits.Labels[i])).ToArray();
            var te = test.Where(i => set.Contains(digits.Labels[i])).ToArray();
            tasks.Add(new ContinualTask(t, $"digits {{{string.Join(",", classes)}}}", classes, digits.Slice(tr, spec), digits.Slice(te, spec)));
        }
        return tasks;
    }

    /// <summary>The whole data set as one train/test split (for training the model that is later asked to forget).</summary>
    public static (LabeledData Train, LabeledData Test) Full(DigitsCsv digits, ImageInputSpec spec, double testFraction = 0.2, long seed = 0)
    {
        var (train, test) = digits.StratifiedSplit(testFraction, seed);
        return (digits.Slice(train, spec), digits.Slice(test, spec));
    }

    /// <summary>Rows of <paramref name="data"/> whose label is (or is not) in <paramref name="classes"/>.</summary>
    public static LabeledData Select(LabeledData data, IReadOnlyCollection<int> classes, bool keep)
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.zeros(data.Count, dtype: ScalarType.Bool);
        foreach (var c in classes) mask = mask.logical_or(data.Labels.eq(c));
        if (!keep) mask = mask.logical_not();
        var idx = mask.nonzero().squeeze(1);
        return new LabeledData(data.Inputs.index_select(0, idx).MoveToOuterDisposeScope(), data.Labels.index_select(0, idx).MoveToOuterDisposeScope());
    }
}
