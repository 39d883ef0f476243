using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer;

/// <summary>Options of <c>zoo bench informer[:preset]</c> (default preset: bench); shape options lay over the preset.</summary>
public sealed class InformerBenchOptions
{
    [Description("encoder input lengths (seq_len); label_len = seq_len / 2")] public string Lengths { get; set; } = "96,384,1536,3072";
    [Description("model width (default: the preset's, 128)")] public int? DModel { get; set; }
    [Description("attention heads (default: 8)")] public int? NHeads { get; set; }
    [Description("feed-forward width (default: 256)")] public int? DFf { get; set; }
    [Description("encoder layers (default: 2)")] public int? ELayers { get; set; }
    [Description("decoder layers (default: 1)")] public int? DLayers { get; set; }
    [Description("prediction horizon (default: 24)")] public int? PredLen { get; set; }
    [Description("ProbSparse factor c (default: 5)")] public int? Factor { get; set; }
    [Description("timed runs per measurement (after one warm-up)")] public int Repeats { get; set; } = 3;

    /// <summary>The preset with the given options, for one input length and attention type.</summary>
    public InformerConfig Config(InformerConfig preset, int length, string attn)
    {
        var c = preset.Clone();
        (c.SeqLen, c.LabelLen, c.Attn) = (length, length / 2, attn);
        c.OutLen = PredLen ?? c.OutLen;
        c.DModel = DModel ?? c.DModel;
        c.NHeads = NHeads ?? c.NHeads;
        c.DFf = DFf ?? c.DFf;
        c.ELayers = ELayers ?? c.ELayers;
        c.DLayers = DLayers ?? c.DLayers;
        c.Factor = Factor ?? c.Factor;
        return c;
    }
}

public sealed record BenchRow(int Length, string Attn, double InferSeconds, double TrainSeconds,
    long? InferPeakBytes, long? TrainPeakBytes, double ForwardFlops);

/// <summary>
/// zoo bench informer: ProbSparse against full self-attention (the paper's Informer†) in the same run, at growing input
/// lengths: inference time, training-step time, peak memory, and model FLOP utilisation against MatmulPeak.
/// Threads are the host's (<c>--threads</c>).
/// </summary>
public sealed class InformerBenchRecipe() : Recipe<InformerBenchOptions>(ZooVerbs.Bench, InformerFactory.Name,
    "ProbSparse vs full attention: time and memory at growing lengths, and MFU")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => InformerTrainRecipe.OfficialAliases;

    public override int Run(IZooContext context, CommonOptions common, InformerBenchOptions s)
    {
        var device = context.Device;
        var output = context.Output;
        var preset = (InformerConfig)new InformerFactory().Configure(common.Preset ?? "bench", common.Overrides);
        int batch = common.BatchSize ?? 2;
        var lengths = s.Lengths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var first = s.Config(preset, lengths[0], "prob");
        output.Line($"Informer bench: batch {batch}, d_model {first.DModel}, {first.NHeads} heads, d_ff {first.DFf}, {first.ELayers}+{first.DLayers} layers, " +
            $"label_len = L/2, pred_len {first.OutLen}, {get_num_threads()} threads, device {device}");
        var peak = MatmulPeak.Measure(device: device);
        output.Line(FormattableString.Invariant($"MatmulPeak (fp32 1024^3 matmul, this run): {peak / 1e9:F1} GFLOP/s"));
        var rows = new List<BenchRow>();
        using (var task = context.Progress.Start("benchmark", lengths.Length * 2))
            foreach (var length in lengths)
                foreach (var attn in new[] { "full", "prob" })
                {
                    task.Describe($"L={length} {attn}");
                    rows.Add(Measure(s.Config(preset, length, attn), batch, s.Repeats, device));
                    task.Advance();
                }

        string N(double v, string f = "F1") => v.ToString(f, CultureInfo.InvariantCulture);
        string Mb(long? b) => b is { } v ? N(v / 1048576.0, "F0") : "n/a";
        string Ratio(double a, double b) => N(a / b, "F2");
        string Mfu(BenchRow r) => N(3 * r.ForwardFlops / r.TrainSeconds / peak * 100) + "%";
        output.Table("full / ProbSparse ratios (> 1: ProbSparse is cheaper)",
            ["L", "infer full ms", "infer prob ms", "time ratio", "train full ms", "train prob ms", "time ratio", "peak full MB", "peak prob MB",
                "mem ratio (train)", "MFU full", "MFU prob"],
            lengths.Select(length =>
            {
                var f = rows.First(r => r.Length == length && r.Attn == "full");
                var p = rows.First(r => r.Length == length && r.Attn == "prob");
                return (IReadOnlyList<string>)[length.ToString(CultureInfo.InvariantCulture),
                    N(f.InferSeconds * 1e3), N(p.InferSeconds * 1e3), Ratio(f.InferSeconds, p.InferSeconds),
                    N(f.TrainSeconds * 1e3), N(p.TrainSeconds * 1e3), Ratio(f.TrainSeconds, p.TrainSeconds),
                    Mb(f.TrainPeakBytes), Mb(p.TrainPeakBytes),
                    f.TrainPeakBytes is { } fb && p.TrainPeakBytes is { } pb && pb > 0 ? Ratio(fb, pb) : "n/a", Mfu(f), Mfu(p)];
            }));
        double Train(int l, string attn) => rows.First(r => r.Length == l && r.Attn == attn).TrainSeconds;
        var win = lengths.FirstOrDefault(l => Train(l, "full") > Train(l, "prob"));
        output.Line(win > 0
            ? $"ProbSparse trains faster than full attention from L = {win} on this machine."
            : "ProbSparse did not beat full attention at these lengths on this machine.");
        output.Line("MFU = analytic model FLOPs (matmuls, linears, convolutions; training step = 3 x forward) per second / MatmulPeak. " +
            "Peak memory = kernel RSS high-water mark above the level before the step (large blocks mmapped, so freed tensors leave RSS).");
        return 0;
    }

    /// <summary>Inference and training-step time and peak memory of one configuration on random inputs.</summary>
    public static BenchRow Measure(InformerConfig config, int b, int repeats, Device device)
    {
        manual_seed(1);
        using var model = new InformerModel(config);
        model.to(device);
        int length = config.SeqLen, ld = config.LabelLen + config.OutLen, marks = TimeFeatures.Count(config.Embed, config.FreqChar);
        using var xEnc = randn(b, length, config.EncIn, device: device);
        using var mEnc = rand(b, length, marks, device: device) - 0.5;
        using var xDec = randn(b, ld, config.DecIn, device: device);
        using var mDec = rand(b, ld, marks, device: device) - 0.5;
        using var target = randn(b, config.OutLen, config.COut, device: device);
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
            for (int i = 0; i < repeats; i++) a();
            return sw.Elapsed.TotalSeconds / repeats;
        }
        model.eval();
        long? inferPeak = PeakMemory.MeasureBytes(Infer);
        var infer = Time(Infer);
        model.train();
        TrainStep();   // Adam state exists before the memory measurement
        long? trainPeak = PeakMemory.MeasureBytes(TrainStep);
        var train = Time(TrainStep);
        return new BenchRow(length, config.Attn, infer, train, inferPeak, trainPeak, InformerFlops.Forward(config, b));
    }
}
