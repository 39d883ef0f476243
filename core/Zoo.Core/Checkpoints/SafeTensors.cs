using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Core.Checkpoints;

/// <summary>
/// Reader and writer for the safetensors format (8-byte little-endian header length, JSON header, raw
/// little-endian data). Every read is checked: header bounds, JSON, dtype, shape against byte size and data
/// offsets against the file, so a truncated or corrupt file fails with a message naming the file and tensor.
/// Writes are atomic (temp file + rename).
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>One header entry.</summary>
    public sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F64"] = (ScalarType.Float64, 8), ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1), ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Reads and checks the header; returns the entries and the absolute offset of the data section.</summary>
    public static (IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        using var fs = File.OpenRead(path);
        long length = fs.Length;
        if (length < 8) throw Corrupt(path, $"the file is {length} bytes, too short for the 8-byte header length (truncated?)");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        long headerLen = BitConverter.ToInt64(lenBytes);
        if (headerLen <= 0 || headerLen > MaxHeaderBytes || 8 + headerLen > length)
            throw Corrupt(path, $"the header claims {headerLen} bytes but the file has {length - 8} after the length field (truncated or not a safetensors file)");
        var headerBytes = new byte[headerLen];
        fs.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd(' ', '\0')) as JsonObject
                ?? throw new JsonException("the header is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw Corrupt(path, $"the header is not valid JSON ({ex.Message})");
        }
        long dataStart = 8 + headerLen;
        long dataLen = length - dataStart;
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                continue;
            }
            try
            {
                var obj = node as JsonObject ?? throw new FormatException("entry is not an object");
                string dtype = obj["dtype"]?.GetValue<string>() ?? throw new FormatException("no dtype");
                if (!DTypes.TryGetValue(dtype, out var dt)) throw new FormatException($"unsupported dtype '{dtype}'");
                var shape = (obj["shape"] as JsonArray ?? throw new FormatException("no shape")).Select(x => x!.GetValue<long>()).ToArray();
                if (shape.Any(s => s < 0)) throw new FormatException($"negative dimension in shape [{string.Join(", ", shape)}]");
                var offsets = (obj["data_offsets"] as JsonArray ?? throw new FormatException("no data_offsets")).Select(x => x!.GetValue<long>()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0]) throw new FormatException("bad data_offsets");
                if (offsets[1] > dataLen)
                    throw new FormatException($"its data lies at bytes {offsets[0]}..{offsets[1]} but the data section has only {dataLen} bytes (truncated?)");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * dt.Size;
                if (offsets[1] - offsets[0] != expected)
                    throw new FormatException($"{dtype}[{string.Join(", ", shape)}] needs {expected} bytes but its data_offsets span {offsets[1] - offsets[0]}");
                entries.Add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException)
            {
                throw Corrupt(path, $"tensor '{name}': {ex.Message}");
            }
        }
        return (entries, metadata, dataStart);
    }

    /// <summary>Reads every tensor (on the CPU). Tensors are detached from any dispose scope.</summary>
    public static Dictionary<string, Tensor> Read(string path, Func<string, bool>? include = null)
    {
        var (entries, _, dataStart) = ReadHeader(path);
        var result = new Dictionary<string, Tensor>();
        using var fs = File.OpenRead(path);
        foreach (var e in entries)
        {
            if (include != null && !include(e.Name)) continue;
            var (type, _) = DTypes[e.DType];
            var t = torch.empty(e.Shape, type, CPU);
            int n = checked((int)(e.End - e.Begin));
            if (n > 0)
            {
                var buffer = new byte[n];
                fs.Seek(dataStart + e.Begin, SeekOrigin.Begin);
                fs.ReadExactly(buffer);
                buffer.AsSpan().CopyTo(t.bytes);
            }
            result[e.Name] = t.DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>Writes tensors to <paramref name="path"/> atomically (a temp file renamed over the target).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        var cpu = new List<Tensor>();
        try
        {
            foreach (var name in names)
            {
                var t = tensors[name].detach().cpu().contiguous();
                cpu.Add(t);
                var dtype = DTypes.First(kv => kv.Value.Type == t.dtype).Key;
                long size = t.numel() * DTypes[dtype].Size;
                header[name] = new JsonObject
                {
                    ["dtype"] = dtype,
                    ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                    ["data_offsets"] = new JsonArray(offset, offset + size),
                };
                offset += size;
            }
            var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
            int pad = (8 - headerBytes.Length % 8) % 8;
            var padded = new byte[headerBytes.Length + pad];
            headerBytes.CopyTo(padded, 0);
            for (int i = headerBytes.Length; i < padded.Length; i++) padded[i] = (byte)' ';

            AtomicFile.Write(path, fs =>
            {
                fs.Write(BitConverter.GetBytes((long)padded.Length));
                fs.Write(padded);
                foreach (var t in cpu)
                    if (t.numel() > 0) fs.Write(t.bytes);
            });
        }
        finally
        {
            foreach (var t in cpu) t.Dispose();
        }
    }

    private static InvalidDataException Corrupt(string path, string problem) => new($"{path}: {problem}.");
}

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see half a file.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<FileStream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) => Write(path, fs => fs.Write(Encoding.UTF8.GetBytes(text)));
}
