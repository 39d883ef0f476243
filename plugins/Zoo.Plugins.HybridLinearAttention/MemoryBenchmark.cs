using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using static TorchSharp.torch;

namespace Zoo.Plugins.HybridLinearAttention;

public sealed class BenchMemorySettings : CommandSettings
{
    [CommandOption("--lengths")] [Description("sequence lengths, comma separated")] [DefaultValue("1024,2048,4096,8192,16384")]
    public string Lengths { get; init; } = "1024,2048,4096,8192,16384";
    [CommandOption("--d-model")] [DefaultValue(64)] public int DModel { get; init; } = 64;
    [CommandOption("--heads")] [DefaultValue(4)] public int Heads { get; init; } = 4;
    [CommandOption("--modules")] [Description("comma separated; default: attention, gated-deltanet, hgrn2 and every memory model in the catalog")]
    public string? Modules { get; init; }
    [CommandOption("--out")] [Description("markdown file for the table")] public string? Out { get; init; }
    [CommandOption("--repeats")] [Description("runs per length; the fastest counts (shared machines are noisy)")] [DefaultValue(2)] public int Repeats { get; init; } = 2;
    [CommandOption("--budget")] [Description("seconds: a module whose run at some length exceeds this skips the longer lengths")] [DefaultValue(60.0)]
    public double Budget { get; init; } = 60;
    [CommandOption("--threads")] [Description("libtorch intra-op threads (0 = leave as is)")] [DefaultValue(0)] public int Threads { get; init; }
}

/// <summary>
/// <c>zoo bench memory</c>: forward (inference, no grad) throughput of each token mixer at batch 1 over sequence lengths
/// 1k..16k, against causal softmax attention measured in the same run. Reports tokens/s, peak resident memory growth
/// (Linux VmHWM, reset through /proc/self/clear_refs before each run), the 4x-length time ratio (linear scaling means
/// about 4, quadratic about 16) and MFU = estimated model FLOP/s / MatmulPeak.Measure() of the same run.
/// FLOP estimate per token: 2 x parameters (projections) + the mixer's core: attention 2 T d (causal QK^T and AV),
/// recurrences 8 x state elements (decay, read, write, output), Miras memories 8 x memory weights (forward, backward, update).
/// </summary>
public sealed class BenchMemoryCommand : Command<BenchMemorySettings>
{
    public static nn.Module<Tensor, Tensor> Build(string name, int d, int heads) =>
        MixerRegistry.Create(name, new HybridLmConfig { DModel = d, NumHeads = heads, ChunkSize = 64 });

    public override int Execute(CommandContext context, BenchMemorySettings s, CancellationToken cancellationToken)
    {
        if (s.Threads > 0) torch.set_num_threads(s.Threads);
        var lengths = s.Lengths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var names = s.Modules?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
                    ?? ["attention", "gated-deltanet", "hgrn2"];
        if (s.Modules is null && ZooRuntime.Catalog is { } catalog)
            foreach (var (meta, _, _) in catalog.Models(ZooTasks.Memory))
                if (!names.Contains(meta.Name) && meta.Name is not ("gated-deltanet" or "hgrn2")) names.Add(meta.Name);
        AnsiConsole.MarkupLine("measuring fp32 matmul peak ...");
        var peak = MatmulPeak.Measure();
        AnsiConsole.MarkupLine($"MatmulPeak {peak / 1e9:F1} GFLOP/s (threads {torch.get_num_threads()})");
        var rows = new List<(string Name, int T, double Tps, double PeakMb, double Mfu, double Secs)>();
        foreach (var name in names)
        {
            nn.Module<Tensor, Tensor> module;
            try { module = Build(name, s.DModel, s.Heads); }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                AnsiConsole.MarkupLine($"[yellow]skip {Markup.Escape(name)}: {Markup.Escape(ex.Message)}[/]");
                continue;
            }
            using (module)
            {
                module.eval();
                var paramCount = module.parameters().Sum(p => p.numel());
                var mem = (IMemoryModule)module;
                long stateElems;
                using (var st = mem.InitialState(1)) stateElems = st.Tensors.Where(kv => kv.Key is "s" or "w" or "w1" or "w2").Sum(kv => kv.Value.numel());
                using (no_grad())
                using (var scope = NewDisposeScope()) module.forward(randn(1, 256, s.DModel));   // warm-up
                var overBudget = false;
                foreach (var t in lengths)
                {
                    if (overBudget)
                    {
                        AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(name)} T={t}: skipped (the previous length took over {s.Budget:F0}s)[/]");
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
                    var core = name == "attention" ? 2.0 * t * s.DModel : 8.0 * stateElems;
                    var flops = t * (2.0 * paramCount + core);
                    rows.Add((name, t, t / secs, peakMb, flops / secs / peak, secs));
                    overBudget = secs > s.Budget;
                    AnsiConsole.MarkupLine($"{Markup.Escape(name)} T={t}: {t / secs:N0} tok/s, peak +{peakMb:F0} MB, {secs:F2}s");
                }
            }
        }
        var table = new Table().AddColumns("module", "T", "tokens/s", "vs attention", "peak MB", "MFU", "time x (T/4)");
        var md = new StringBuilder($"MatmulPeak {peak / 1e9:F1} GFLOP/s (threads {torch.get_num_threads()}), best of {Math.Max(1, s.Repeats)}, d_model {s.DModel}, heads {s.Heads}, batch 1, forward only\n\n| module | T | tokens/s | speed vs attention | peak MB | MFU | time ratio vs T/4 |\n|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
        {
            var attn = rows.FirstOrDefault(a => a.Name == "attention" && a.T == r.T);
            var quarter = rows.FirstOrDefault(a => a.Name == r.Name && a.T * 4 == r.T);
            var vs = attn.Name is null ? "-" : (r.Tps / attn.Tps).ToString("F2", CultureInfo.InvariantCulture) + "x";
            var ratio = quarter.Name is null ? "-" : (r.Secs / quarter.Secs).ToString("F2", CultureInfo.InvariantCulture);
            table.AddRow(r.Name, r.T.ToString(CultureInfo.InvariantCulture), r.Tps.ToString("N0", CultureInfo.InvariantCulture), vs, r.PeakMb.ToString("F0", CultureInfo.InvariantCulture), r.Mfu.ToString("P2", CultureInfo.InvariantCulture), ratio);
            md.Append(CultureInfo.InvariantCulture, $"| {r.Name} | {r.T} | {r.Tps:N0} | {vs} | {r.PeakMb:F0} | {r.Mfu:P2} | {ratio} |\n");
        }
        AnsiConsole.Write(table);
        if (s.Out is not null)
        {
            AtomicFile.WriteAllText(s.Out, md.ToString());
            AnsiConsole.MarkupLine($"table written to {Markup.Escape(s.Out)}");
        }
        return 0;
    }
}
