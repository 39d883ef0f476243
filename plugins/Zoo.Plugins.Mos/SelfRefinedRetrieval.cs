namespace Zoo.Plugins.Mos;

/// <summary>
/// MOS's training-free self-refined adapter retrieval (Sec. 4.3, "Self-Refined Adapter Retrieval Mechanism"): the first-stage
/// prediction comes from adapter 0; its predicted class names a task, whose adapter re-predicts; repeat until the named task
/// no longer changes or <c>maxIter</c> rounds are done. The final score is softmax(refined) + softmax(first · T) (T = number
/// of tasks, the reference's temperature 1/T on the first stage; "ensemble").
/// </summary>
public static class SelfRefinedRetrieval
{
    /// <summary>
    /// <paramref name="perAdapter"/> [T, B, C]: the shared head's logits on each adapter's feature (already masked to the seen
    /// classes). <paramref name="classToTask"/>[c] = task of class c. Returns the refined logits [B, C] and the adapter each
    /// sample ended on.
    /// </summary>
    public static (Tensor Logits, int[] Chosen) Refine(Tensor perAdapter, IReadOnlyList<int> classToTask, int maxIter = 4, int first = 0)
    {
        if (perAdapter.dim() != 3) throw new ArgumentException($"MOS retrieval: expected logits [T, B, C], got [{string.Join(", ", perAdapter.shape)}].");
        long tasks = perAdapter.shape[0], batch = perAdapter.shape[1], classes = perAdapter.shape[2];
        if (classToTask.Count < classes)
            throw new ArgumentException($"MOS retrieval: class-to-task map has {classToTask.Count} entries for {classes} classes.");
        if (maxIter < 1) throw new ArgumentException("MOS retrieval: max_iter must be >= 1.");
        using var scope = torch.NewDisposeScope();
        var pred = perAdapter.argmax(2).cpu().data<long>().ToArray();   // [T * B]
        int TaskOf(long cls)
        {
            int t = classToTask[(int)cls];
            if (t < 0 || t >= tasks) throw new InvalidOperationException($"MOS retrieval: class {cls} maps to task {t}, but only {tasks} adapters exist.");
            return t;
        }
        var chosen = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int prev = TaskOf(pred[first * batch + b]);
            for (int round = 1; ; round++)
            {
                int cur = TaskOf(pred[prev * batch + b]);
                if (round >= maxIter || cur == prev) break;
                prev = cur;
            }
            chosen[b] = prev;
        }
        using var index = torch.tensor(chosen.Select(c => (long)c).ToArray(), device: perAdapter.device);
        // logits[b] = perAdapter[chosen[b], b]
        var gathered = perAdapter.permute(1, 0, 2).gather(1, index.view(batch, 1, 1).expand(batch, 1, classes)).squeeze(1);
        return (gathered.MoveToOuterDisposeScope(), chosen);
    }

    /// <summary>softmax(refined) + softmax(first · tasks) over classes (reference "ensemble"; -inf logits get probability 0).</summary>
    public static Tensor Ensemble(Tensor refined, Tensor first, int tasks)
    {
        using var scope = torch.NewDisposeScope();
        return (refined.softmax(1) + (first * tasks).softmax(1)).MoveToOuterDisposeScope();
    }
}
