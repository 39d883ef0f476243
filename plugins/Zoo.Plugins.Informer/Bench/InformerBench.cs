using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>
/// Analytic FLOPs of one Informer forward pass (multiply-adds x 2 of every matmul, linear and convolution; softmax, norms
/// and activations are left out). A training step is counted as 3 forward passes.
/// </summary>
public static class InformerFlops
{
    public static double Forward(InformerConfig c, long batch)
    {
        double d = c.DModel, ff = c.DFf;
        int marks = c.Embed == "timeF" ? TimeFeatures.ContinuousCount(c.FreqChar) : 0;
        long le = c.SeqLen, ld = c.LabelLen + c.OutLen;
        double Attention(long lq, long lk, bool prob)
        {
            if (!prob) return 2 * 2.0 * lq * lk * d;                                      // QK^T and AV
            double uPart = ProbAttention.Budget(c.Factor, lk), u = ProbAttention.Budget(c.Factor, lq);
            return 2.0 * lq * uPart * d + 2 * 2.0 * u * lk * d;                          // sampled scores, top-u QK^T and AV
        }
        double Embedding(long l, int cin) => 2.0 * l * (cin * 3 + marks) * d;
        bool prob = c.Attn == "prob";
        double f = Embedding(le, c.EncIn) + Embedding(ld, c.DecIn);
        long encOut = 0;
        var stacks = c.Model == "informerstack" ? c.SLayers.Select((n, i) => (Layers: n, Len: le >> i)) : [(c.ELayers, le)];
        foreach (var (layers, len0) in stacks)
        {
            long l = len0;
            for (int i = 0; i < layers; i++)
            {
                f += 4 * 2.0 * l * d * d + Attention(l, l, prob) + 2 * 2.0 * l * d * ff;
                if (c.Distil && i < layers - 1)
                {
                    f += 2.0 * l * d * d * 3;
                    l = ConvLayer.OutputLength(l);
                }
            }
            encOut += l;
        }
        for (int i = 0; i < c.DLayers; i++)
        {
            f += 4 * 2.0 * ld * d * d + Attention(ld, ld, prob);                         // masked self-attention
            f += 2 * 2.0 * ld * d * d + 2 * 2.0 * encOut * d * d + Attention(ld, encOut, false);   // cross-attention (always full)
            f += 2 * 2.0 * ld * d * ff;
        }
        f += 2.0 * ld * d * c.COut;
        return f * batch;
    }
}

public sealed class InformerBenchSettings : CommandSettings
{
    [CommandOption("--lengths"), Description("encoder input lengths (seq_len); label_len = seq_len / 2"), DefaultValue("96,384,1536,3072")] public string Lengths { get; set; } = "96,384,1536,3072";
    [CommandOption("--batch_size|--batch-size"), DefaultValue(2)] public int BatchSize { get; set; } = 2;
    [CommandOption("--d_model|--d-model"), DefaultValue(128)] public int DModel { get; set; } = 128;
    [CommandOption("--n_heads|--n-heads"), DefaultValue(8)] public int NHeads { get; set; } = 8;
    [CommandOption("--d_ff|--d-ff"), DefaultValue(256)] public int DFf { get; set; } = 256;
    [CommandOption("--e_layers|--e-layers"), DefaultValue(2)] public int ELayers { get; set; } = 2;
    [CommandOption("--d_layers|--d-layers"), DefaultValue(1)] public int DLayers { get; set; } = 1;
    [CommandOption("--pred_len|--pred-len"), DefaultValue(24)] public int PredLen { get; set; } = 24;
    [CommandOption("--factor"), DefaultValue(5)] public int Factor { get; set; } = 5;
    [CommandOption("--repeats"), Description("timed runs per measurement (after one warm-up)"), DefaultValue(3)] public int Repeats { get; set; } = 3;
    [CommandOption("--threads"), Description("torch intra-op threads (default: libtorch's choice)")] public int? Threads { get; set; }
}

public sealed record BenchRow(int Length, string Attn, double InferSeconds, double TrainSeconds, long? InferPeakBytes, long? TrainPeakBytes, double ForwardFlops);

/// <summary>
/// zoo bench informer: ProbSparse against full self-attention (the paper's Informer†) in the same run, at growing input
/// lengths: inference time, training-step time, peak memory, and model FLOP utilisation against MatmulPeak.
/// </summary>
public sealed class InformerBenchCommand : Command<InformerBenchSettings>
{
    public override int Execute(CommandContext context, InformerBenchSettings s, CancellationToken cancellationToken)
    {
        if (s.Threads is { } n) set_num_threads(n);
        var device = ZooRuntime.Device;
        var lengths = s.Lengths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        AnsiConsole.MarkupLineInterpolated($"[bold]Informer bench[/]: batch {s.BatchSize}, d_model {s.DModel}, {s.NHeads} heads, d_ff {s.DFf}, {s.ELayers}+{s.DLayers} layers, label_len = L/2, pred_len {s.PredLen}, {get_num_threads()} threads, device {device}");
        var peak = MatmulPeak.Measure(device: device);
        AnsiConsole.MarkupLineInterpolated($"MatmulPeak (fp32 1024^3 matmul, this run): {peak / 1e9:F1} GFLOP/s");
        var rows = new List<BenchRow>();
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("benchmark", maxValue: lengths.Length * 2);
            foreach (var length in lengths)
                foreach (var attn in new[] { "full", "prob" })
                {
                    task.Description = $"L={length} {attn}";
                    rows.Add(Run(s, length, attn, device));
                    task.Increment(1);
                }
        });

        var table = new Table().Border(TableBorder.Rounded).Title("full / ProbSparse ratios (> 1: ProbSparse is cheaper)");
        foreach (var h in new[] { "L", "infer full ms", "infer prob ms", "time ratio", "train full ms", "train prob ms", "time ratio", "peak full MB", "peak prob MB", "mem ratio (train)", "MFU full", "MFU prob" })
            table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var length in lengths)
        {
            var f = rows.First(r => r.Length == length && r.Attn == "full");
            var p = rows.First(r => r.Length == length && r.Attn == "prob");
            string Mb(long? b) => b is { } v ? (v / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) : "n/a";
            string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture);
            string Mfu(BenchRow r) => (3 * r.ForwardFlops / r.TrainSeconds / peak * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";
            table.AddRow(length.ToString(CultureInfo.InvariantCulture),
                (f.InferSeconds * 1e3).ToString("F1", CultureInfo.InvariantCulture), (p.InferSeconds * 1e3).ToString("F1", CultureInfo.InvariantCulture), Ratio(f.InferSeconds, p.InferSeconds),
                (f.TrainSeconds * 1e3).ToString("F1", CultureInfo.InvariantCulture), (p.TrainSeconds * 1e3).ToString("F1", CultureInfo.InvariantCulture), Ratio(f.TrainSeconds, p.TrainSeconds),
                Mb(f.TrainPeakBytes), Mb(p.TrainPeakBytes),
                f.TrainPeakBytes is { } fb && p.TrainPeakBytes is { } pb && pb > 0 ? Ratio(fb, pb) : "n/a",
                Mfu(f), Mfu(p));
        }
        AnsiConsole.Write(table);
        var win = lengths.FirstOrDefault(l => rows.First(r => r.Length == l && r.Attn == "full").TrainSeconds > rows.First(r => r.Length == l && r.Attn == "prob").TrainSeconds);
        AnsiConsole.MarkupLine(win > 0
            ? $"ProbSparse trains faster than full attention from L = {win} on this machine."
            : "ProbSparse did not beat full attention at these lengths on this machine.");
        AnsiConsole.MarkupLine("MFU = analytic model FLOPs (matmuls, linears, convolutions; training step = 3 x forward) per second / MatmulPeak. Peak memory = kernel RSS high-water mark above the level before the step (large blocks mmapped, so freed tensors leave RSS).");
        return 0;
    }

    private static BenchRow Run(InformerBenchSettings s, int length, string attn, Device device)
    {
        var config = new InformerConfig
        {
            EncIn = 7, DecIn = 7, COut = 7, SeqLen = length, LabelLen = length / 2, OutLen = s.PredLen, Factor = s.Factor,
            DModel = s.DModel, NHeads = s.NHeads, ELayers = s.ELayers, DLayers = s.DLayers, DFf = s.DFf, Dropout = 0.05, Attn = attn,
        };
        manual_seed(1);
        using var model = new InformerModel(config);
        model.to(device);
        int b = s.BatchSize, ld = config.LabelLen + config.OutLen;
        using var xEnc = randn(b, length, 7, device: device);
        using var mEnc = rand(b, length, 4, device: device) - 0.5;
        using var xDec = randn(b, ld, 7, device: device);
        using var mDec = rand(b, ld, 4, device: device) - 0.5;
        using var target = randn(b, config.OutLen, 7, device: device);
        using var optimizer = optim.Adam(model.parameters(), 1e-4);

        void Infer()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            model.forward(xEnc, mEnc, xDec, mDec);
        }
        void TrainStep()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(xEnc, mEnc, xDec, mDec), target);
            loss.backward();
            optimizer.step();
        }
        double Time(Action a)
        {
            a();   // warm-up
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < s.Repeats; i++) a();
            return sw.Elapsed.TotalSeconds / s.Repeats;
        }
        model.eval();
        long? inferPeak = PeakMemory.MeasureBytes(Infer);
        var infer = Time(Infer);
        model.train();
        TrainStep();   // Adam state exists before the memory measurement
        long? trainPeak = PeakMemory.MeasureBytes(TrainStep);
        var train = Time(TrainStep);
        return new BenchRow(length, attn, infer, train, inferPeak, trainPeak, InformerFlops.Forward(config, b));
    }
}
