namespace Zoo.Toolkit.Data;

/// <summary>The seeded, stratified split the image and video datasets share.</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Items 0..<paramref name="count"/>-1 grouped by <paramref name="label"/>: about <paramref name="fraction"/> of every class (at least
    /// one and not all, when the class has two or more) goes to Held, the rest to Train, both sorted. Classes are visited in label order,
    /// or in order of first appearance when <paramref name="labelOrder"/> is false; each class is shuffled with one shared seeded RNG.
    /// </summary>
    public static (List<int> Train, List<int> Held) Indices(int count, Func<int, int> label, double fraction, int seed, bool labelOrder = true)
    {
        var rng = new Random(seed);
        var train = new List<int>();
        var held = new List<int>();
        var groups = Enumerable.Range(0, count).GroupBy(label);
        foreach (var group in labelOrder ? groups.OrderBy(g => g.Key) : groups)
        {
            var items = group.ToArray();
            rng.Shuffle(items);
            int k = (int)Math.Round(items.Length * fraction);
            if (items.Length > 1) k = Math.Clamp(k, 1, items.Length - 1);
            held.AddRange(items.Take(k));
            train.AddRange(items.Skip(k));
        }
        train.Sort();
        held.Sort();
        return (train, held);
    }
}
