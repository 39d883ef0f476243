using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>Options of <c>zoo bench memory</c> (common: --out for the markdown table, --threads).</summary>
public sealed class BenchMemoryOptions
{
    [Description("sequence lengths, comma separated")] public string Lengths { get; set; } = "1024,2048,4096,8192,16384";

    [Description("model width")] public int DModel { get; set; } = 64;

    [Description("heads")] public int Heads { get; set; } = 4;

    [Description("comma separated; default: attention, gated-deltanet, hgrn2 and every memory model in the catalog")]
    public string? Modules { get; set; }

    [Description("runs per length; the fastest counts (shared machines are noisy)")] public int Repeats { get; set; } = 2;

    [Description("seconds: a module whose run at some length exceeds this skips the longer lengths")] public double Budget { get; set; } = 60;
}

/// <summary>
/// <c>zoo bench memory</c>: forward (inference, no grad) throughput of each token mixer at batch 1 over sequence lengths
/// 1k..16k, against causal softmax attention measured in the same run. Reports tokens/s, peak memory growth
/// (<see cref="PeakMemory"/>), the 4x-length time ratio (linear scaling means about 4, quadratic about 16) and
/// MFU = estimated model FLOP/s / MatmulPeak.Measure() of the same run.
/// FLOP estimate per token: 2 x parameters (projections) + the mixer's core: attention 2 T d (causal QK^T and AV),
/// recurrences 8 x state elements (decay, read, write, output), Miras memories 8 x memory weights (forward, backward, update).
/// </summary>
public sealed class BenchMemoryRecipe() : Recipe<BenchMemoryOptions>(ZooVerbs.Bench, "memory",
    "Tokens/s, peak memory and MFU of every memory module vs softmax attention, 1k..16k tokens.")
{
    private sealed record Row(string Name, int T, double Tps, double PeakMb, double Mfu, double Secs);

    public override int Run(IZooContext context, CommonOptions common, BenchMemoryOptions s)
    {
        var split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        var lengths = s.Lengths.Split(',', split).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var names = s.Modules?.Split(',', split).ToList() ?? [.. Mixers.BuiltIn];
        if (s.Modules is null)
            foreach (var (meta, _, _) in context.Catalog.Models(ZooTasks.Memory))
                if (!names.Contains(meta.Name)) names.Add(meta.Name);
        context.Output.Line("measuring fp32 matmul peak ...");
        var peak = MatmulPeak.Measure();
        context.Output.Line($"MatmulPeak {peak / 1e9:F1} GFLOP/s (threads {torch.get_num_threads()})");
        var rows = new List<Row>();
        foreach (var name in names)
        {
            nn.Module<Tensor, Tensor> module;
            try { module = Mixers.Create(name, new HybridLmConfig { DModel = s.DModel, NumHeads = s.Heads, ChunkSize = 64 }, context); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                context.Output.Warn($"skip {name}: {ex.Message}");
                continue;
            }
            using (module) rows.AddRange(Measure(context, s, name, module, lengths, peak));
        }
        Report(context, common, s, rows, peak);
        return 0;
    }

    private static List<Row> Measure(IZooContext context, BenchMemoryOptions s, string name, nn.Module<Tensor, Tensor> module, int[] lengths, double peak)
    {
        var rows = new List<Row>();
        module.eval();
        var paramCount = module.parameters().Sum(p => p.numel());
        long stateElems;
        using (var st = ((IMemoryModule)module).InitialState(1))
            stateElems = st.Tensors.Where(kv => kv.Key is "s" or "w" or "w1" or "w2").Sum(kv => kv.Value.numel());
        using (no_grad())
        using (var warm = NewDisposeScope()) module.forward(randn(1, 256, s.DModel));
        var overBudget = false;
        foreach (var t in lengths)
        {
            if (overBudget)
            {
                context.Output.Warn($"{name} T={t}: skipped (the previous length took over {s.Budget:F0}s)");
                continue;
            }
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = randn(1, t, s.DModel);
            var memory = PeakMemory.Start();
            var secs = double.MaxValue;
            for (int r = 0; r < Math.Max(1, s.Repeats); r++)
            {
                using var inner = NewDisposeScope();
                var sw = Stopwatch.StartNew();
                module.forward(x).sum().item<float>();
                secs = Math.Min(secs, sw.Elapsed.TotalSeconds);
            }
            var peakMb = memory.StopMiB();
            var core = Mixers.IsAttention(name) ? 2.0 * t * s.DModel : 8.0 * stateElems;
            var flops = t * (2.0 * paramCount + core);
            rows.Add(new Row(name, t, t / secs, peakMb, flops / secs / peak, secs));
            overBudget = secs > s.Budget;
            context.Output.Line($"{name} T={t}: {t / secs:N0} tok/s, peak +{peakMb:F0} MB, {secs:F2}s");
        }
        return rows;
    }

    private static void Report(IZooContext context, CommonOptions common, BenchMemoryOptions s, List<Row> rows, double peak)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new List<IReadOnlyList<string>>();
        var md = new StringBuilder(string.Create(inv, $"MatmulPeak {peak / 1e9:F1} GFLOP/s (threads {torch.get_num_threads()}), best of {Math.Max(1, s.Repeats)}, "));
        md.Append(inv, $"d_model {s.DModel}, heads {s.Heads}, batch 1, forward only\n\n");
        md.Append("| module | T | tokens/s | speed vs attention | peak MB | MFU | time ratio vs T/4 |\n|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
        {
            var attn = rows.FirstOrDefault(a => Mixers.IsAttention(a.Name) && a.T == r.T);
            var quarter = rows.FirstOrDefault(a => a.Name == r.Name && a.T * 4 == r.T);
            var vs = attn is null ? "-" : (r.Tps / attn.Tps).ToString("F2", inv) + "x";
            var ratio = quarter is null ? "-" : (r.Secs / quarter.Secs).ToString("F2", inv);
            var row = new[] { r.Name, r.T.ToString(inv), r.Tps.ToString("N0", inv), vs, r.PeakMb.ToString("F0", inv), r.Mfu.ToString("P2", inv), ratio };
            table.Add(row);
            md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
        }
        context.Output.Table("memory modules, forward at batch 1", ["module", "T", "tokens/s", "vs attention", "peak MB", "MFU", "time x (T/4)"], table);
        if (common.Out is not null)
        {
            AtomicFile.WriteAllText(common.Out, md.ToString());
            context.Output.Line($"table written to {common.Out}");
        }
    }
}
