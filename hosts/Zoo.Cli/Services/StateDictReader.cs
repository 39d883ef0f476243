using System.Collections;
using TorchSharp.PyBridge;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Cli.Services;

/// <summary>
/// Reads weights saved by the reference PyTorch code: a pickled state_dict (.pth/.pt/.bin, read with
/// TorchSharp.PyBridge without executing code) or a .safetensors file.
/// </summary>
public static class StateDictReader
{
    /// <summary>Reads a state_dict; a "module." prefix (torch.nn.DataParallel) is dropped.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        Dictionary<string, Tensor> tensors;
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            tensors = SafeTensors.Read(path);
        else
        {
            Hashtable table;
            try
            {
                using var stream = File.OpenRead(path);
                table = PyTorchUnpickler.UnpickleStateDict(stream);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{path}: not a PyTorch state_dict that can be read safely ({ex.GetType().Name}: {ex.Message}). Save it with torch.save(model.state_dict(), path).", ex);
            }
            tensors = [];
            foreach (DictionaryEntry e in table)
            {
                if (e.Value is Tensor t) tensors[(string)e.Key] = t;
                else throw new InvalidDataException($"{path}: entry '{e.Key}' is a {e.Value?.GetType().Name ?? "null"}, not a tensor; pass the model's state_dict, not a training checkpoint dict.");
            }
        }
        if (tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            tensors = tensors.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value);
        return tensors;
    }
}
