using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Core.Checkpoints;

/// <summary>Loads named tensors into a module with the checks users need when weights come from elsewhere.</summary>
public static class StateDict
{
    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/>'s parameters and buffers.
    /// Fails naming <paramref name="source"/> and the tensor when a key is missing, unexpected (when
    /// <paramref name="strict"/>), or has another shape; floating tensors of another precision are converted.
    /// </summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, bool strict = true)
    {
        var target = module.state_dict();
        var problems = new List<string>();
        foreach (var (name, t) in target)
        {
            if (!tensors.TryGetValue(name, out var src))
            {
                problems.Add($"missing tensor '{name}' {Shape(t)}");
                continue;
            }
            if (!src.shape.SequenceEqual(t.shape))
                problems.Add($"tensor '{name}' has shape {Shape(src)} in the file but {Shape(t)} in the model");
            else if (src.dtype != t.dtype && !(src.is_floating_point() && t.is_floating_point()) && !(IsInteger(src) && IsInteger(t)))
                problems.Add($"tensor '{name}' is {src.dtype} in the file but {t.dtype} in the model");
        }
        if (strict)
            foreach (var name in tensors.Keys.Where(k => !target.ContainsKey(k)))
                problems.Add($"unexpected tensor '{name}' {Shape(tensors[name])} (the model has no such parameter or buffer)");
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: the weights do not fit the model:\n  " + string.Join("\n  ", problems.Take(20))
                + (problems.Count > 20 ? $"\n  ... and {problems.Count - 20} more" : ""));
        using var _ = torch.no_grad();
        foreach (var (name, t) in target)
            t.copy_(tensors[name].to(t.dtype, t.device));
    }

    private static bool IsInteger(Tensor t) => !t.is_floating_point() && t.dtype != ScalarType.Bool && !t.is_complex();

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
