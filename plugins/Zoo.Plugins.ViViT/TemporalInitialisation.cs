using System.Text.RegularExpressions;
using TorchSharp;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// Initialisations of the temporal transformer compared by Gowda et al. 2023 (Sec. 3, "initialising the temporal
/// transformer"): random, copied from the (image-pretrained) spatial transformer's layers, or copied from the temporal
/// transformer of a video-trained ViViT. Weights are copied only where the shapes allow; the returned report names what
/// was copied and what kept its random initialisation.
/// </summary>
public static partial class TemporalInitialisation
{
    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockKey();

    /// <summary>Copies L_t blocks of the spatial encoder (its first or last ones) and its final norm into <paramref name="temporal"/>.
    /// Understands timm ViT blocks (norm1, attn.qkv, attn.proj, norm2, mlp) and TNT outer blocks
    /// (norm_out, attn_out.qk + attn_out.v, norm_mlp, mlp).</summary>
    public static InitReport FromSpatial(TemporalTransformer temporal, nn.Module spatial, bool last)
    {
        var src = spatial.state_dict();
        var blockIds = src.Keys.Select(k => BlockKey().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().OrderBy(i => i).ToArray();
        bool vit = src.ContainsKey("blocks.0.attn.qkv.weight");
        bool tnt = src.ContainsKey("blocks.0.attn_out.qk.weight") && src.ContainsKey("blocks.0.attn_out.v.weight");
        if (blockIds.Length == 0 || !(vit || tnt))
            throw new InvalidDataException($"Cannot initialise the temporal transformer from the spatial encoder {spatial.GetType().Name}: " +
                "its state_dict has no ViT blocks (blocks.i.attn.qkv) or TNT outer blocks (blocks.i.attn_out.qk/v). Use temporal_init random.");
        int lt = temporal.Depth, ls = blockIds.Length;
        int n = Math.Min(lt, ls);
        var report = new InitReport();
        if (ls < lt) report.Notes.Add($"spatial encoder has {ls} blocks for {lt} temporal blocks: blocks {ls}..{lt - 1} stay random");
        var dst = temporal.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        using var _ = torch.no_grad();
        for (int j = 0; j < n; j++)
        {
            int i = last ? blockIds[ls - n + j] : blockIds[j];
            string s = $"blocks.{i}.", d = $"blocks.{j}.";
            if (vit)
            {
                foreach (var part in new[] { "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                                             "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias" })
                    Copy(src, s + part, dst, d + part, report);
            }
            else
            {
                Copy(src, s + "norm_out.weight", dst, d + "norm1.weight", report);
                Copy(src, s + "norm_out.bias", dst, d + "norm1.bias", report);
                // TNT's outer attention projects q,k with one Linear and v with another (Eq. 1); stacked they are a fused qkv.
                var qk = src[s + "attn_out.qk.weight"];   // live parameters of the spatial encoder: not disposed
                var v = src[s + "attn_out.v.weight"];
                using (var w = torch.cat([qk, v], 0)) CopyTensor(w, $"{s}attn_out.qk|v.weight", dst, d + "attn.qkv.weight", report);
                if (dst.ContainsKey(d + "attn.qkv.bias"))
                {
                    using var qb = src.TryGetValue(s + "attn_out.qk.bias", out var a) ? a.alias() : torch.zeros(qk.shape[0]);
                    using var vb = src.TryGetValue(s + "attn_out.v.bias", out var b) ? b.alias() : torch.zeros(v.shape[0]);
                    using var bias = torch.cat([qb, vb], 0);
                    CopyTensor(bias, $"{s}attn_out.qk|v.bias", dst, d + "attn.qkv.bias", report);
                }
                foreach (var (from, to) in new[] { ("attn_out.proj.weight", "attn.proj.weight"), ("attn_out.proj.bias", "attn.proj.bias"),
                                                   ("norm_mlp.weight", "norm2.weight"), ("norm_mlp.bias", "norm2.bias"),
                                                   ("mlp.fc1.weight", "mlp.fc1.weight"), ("mlp.fc1.bias", "mlp.fc1.bias"),
                                                   ("mlp.fc2.weight", "mlp.fc2.weight"), ("mlp.fc2.bias", "mlp.fc2.bias") })
                    Copy(src, s + from, dst, d + to, report);
            }
        }
        Copy(src, "norm.weight", dst, "norm.weight", report);
        Copy(src, "norm.bias", dst, "norm.bias", report);
        return report;
    }

    /// <summary>Copies the "temporal.*" tensors of a ViViT checkpoint folder (shapes allowing; the position embedding is
    /// linearly interpolated over frames when the frame counts differ, as scenic does for the temporal encoder).</summary>
    public static InitReport FromCheckpoint(TemporalTransformer temporal, string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, Checkpoint.WeightsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: temporal_init_checkpoint has no {Checkpoint.WeightsFile}.", path);
        var src = SafeTensors.Read(path, k => k.StartsWith("temporal.", StringComparison.Ordinal));
        try
        {
            if (src.Count == 0) throw new InvalidDataException($"{path}: no temporal.* tensors; is this a ViViT checkpoint?");
            var dst = temporal.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            var report = new InitReport();
            using var _ = torch.no_grad();
            foreach (var (key, t) in src)
            {
                var name = key["temporal.".Length..];
                if (name == "pos_embed" && dst.TryGetValue(name, out var pe) && t.dim() == 3 && t.shape[2] == pe.shape[2] && t.shape[1] != pe.shape[1])
                {
                    using var cls = t.narrow(1, 0, 1);
                    using var frames = t.narrow(1, 1, t.shape[1] - 1).transpose(1, 2);
                    using var resized = nn.functional.interpolate(frames, size: [pe.shape[1] - 1], mode: InterpolationMode.Linear, align_corners: true)
                        .transpose(1, 2);
                    using var full = torch.cat([cls, resized], 1);
                    pe.copy_(full);
                    report.Copied.Add($"{key} (interpolated {t.shape[1] - 1} -> {pe.shape[1] - 1} frames)");
                    continue;
                }
                CopyTensor(t, key, dst, name, report);
            }
            return report;
        }
        finally
        {
            foreach (var t in src.Values) t.Dispose();
        }
    }

    private static void Copy(Dictionary<string, Tensor> src, string from, Dictionary<string, Tensor> dst, string to, InitReport report)
    {
        if (!src.TryGetValue(from, out var t))
        {
            report.Skipped.Add($"{to} (spatial encoder has no {from})");
            return;
        }
        CopyTensor(t, from, dst, to, report);
    }

    private static void CopyTensor(Tensor t, string from, Dictionary<string, Tensor> dst, string to, InitReport report)
    {
        if (!dst.TryGetValue(to, out var target))
        {
            report.Skipped.Add($"{from} (no temporal tensor {to})");
            return;
        }
        if (!t.shape.SequenceEqual(target.shape))
        {
            report.Skipped.Add($"{to} [{string.Join(", ", target.shape)}] (source {from} is [{string.Join(", ", t.shape)}])");
            return;
        }
        target.copy_(t);
        report.Copied.Add($"{to} <- {from}");
    }
}

/// <summary>What an initialisation copied and what it left random.</summary>
public sealed class InitReport
{
    public List<string> Copied { get; } = [];

    public List<string> Skipped { get; } = [];

    public List<string> Notes { get; } = [];

    public override string ToString() => $"{Copied.Count} tensors copied, {Skipped.Count} kept random" +
        (Notes.Count > 0 ? "; " + string.Join("; ", Notes) : "") + (Skipped.Count > 0 ? $" (e.g. {Skipped[0]})" : "");
}
