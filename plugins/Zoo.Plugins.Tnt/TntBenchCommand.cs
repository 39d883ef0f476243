using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Plugins.Tnt;

public sealed class BenchSettings : ImageCommandSettings
{
    [CommandOption("--preset <NAME>")]
    [Description("tiny (32px), s (TNT-S, 224px) or b (TNT-B).")]
    [DefaultValue("tiny")]
    public string Preset { get; init; } = "tiny";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--steps <N>")]
    [Description("Timed steps per measurement (after one warm-up step).")]
    [DefaultValue(5)]
    public int Steps { get; init; } = 5;

    [CommandOption("--classes <N>")]
    [DefaultValue(10)]
    public int Classes { get; init; } = 10;
}

/// <summary>One model's figures in <c>zoo bench tnt</c>.</summary>
public sealed record BenchFigures(string Model, long Parameters, double ForwardFlopsPerImage, double InferImagesPerSecond, double TrainImagesPerSecond,
    double InferPeakMiB, double TrainPeakMiB);

/// <summary>
/// <c>zoo bench tnt</c>: TNT against a plain ViT with the same outer width, depth, heads and patches, measured in the same
/// run (the price of the inner transformer), printed as ratios, with MFU against <see cref="MatmulPeak"/> of the same run.
/// Peak memory is the rise of the process's peak resident set (Linux VmHWM, reset before each measurement).
/// </summary>
public sealed class TntBenchCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var tntCfg = TntConfig.Preset(s.Preset, s.Classes);
        var vitCfg = VitConfig.SameAs(tntCfg);
        var device = ZooRuntime.Device;
        AnsiConsole.MarkupLineInterpolated($"bench: TNT-{s.Preset} vs ViT (d {tntCfg.EmbedDim}, depth {tntCfg.Depth}, {tntCfg.NumHeadsOuter} heads, {tntCfg.NumPatches} patches of {tntCfg.PatchSize}px; TNT inner c {tntCfg.InnerDim}, {tntCfg.NumWords} words), batch {s.BatchSize}, {s.Steps} steps, {device.type}, {torch.get_num_threads()} threads");
        double peakBefore = MatmulPeak.Measure(device: device);
        var results = new List<BenchFigures>();
        torch.manual_seed(0);
        using (var tnt = new TransformerInTransformer(tntCfg))
            results.Add(Measure("tnt", tnt, ModelFlops.Tnt(tntCfg), tntCfg.InChans, tntCfg.ImgSize, s, device));
        torch.manual_seed(0);
        using (var vit = new VisionTransformer(vitCfg))
            results.Add(Measure("vit", vit, ModelFlops.Vit(vitCfg), vitCfg.InChans, vitCfg.ImgSize, s, device));
        // The machine is shared: measure the peak before and after the models and keep the higher (MFU is then a lower bound).
        double peakAfter = MatmulPeak.Measure(device: device);
        double peak = Math.Max(peakBefore, peakAfter);
        AnsiConsole.MarkupLineInterpolated($"matmul peak (fp32, same run, {torch.get_num_threads()} threads): {peakBefore / 1e9:F1} GFLOP/s before, {peakAfter / 1e9:F1} after; MFU uses {peak / 1e9:F1}");
        var table = new Table().AddColumns("model", "params", "GFLOP/img", "infer img/s", "train img/s", "infer peak MiB", "train peak MiB", "MFU infer", "MFU train");
        foreach (var r in results)
            table.AddRow(r.Model, r.Parameters.ToString("N0", CultureInfo.InvariantCulture), (r.ForwardFlopsPerImage / 1e9).ToString("F3", CultureInfo.InvariantCulture),
                r.InferImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture), r.TrainImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture),
                r.InferPeakMiB.ToString("F0", CultureInfo.InvariantCulture), r.TrainPeakMiB.ToString("F0", CultureInfo.InvariantCulture),
                Pct(MatmulPeak.Utilisation(r.InferImagesPerSecond * r.ForwardFlopsPerImage, peak)),
                Pct(MatmulPeak.Utilisation(r.TrainImagesPerSecond * 3 * r.ForwardFlopsPerImage, peak)));
        AnsiConsole.Write(table);
        var (t, v) = (results[0], results[1]);
        AnsiConsole.MarkupLineInterpolated($"TNT / ViT: params x{(double)t.Parameters / v.Parameters:F2}, FLOPs x{t.ForwardFlopsPerImage / v.ForwardFlopsPerImage:F2}, inference speed x{t.InferImagesPerSecond / v.InferImagesPerSecond:F2}, training speed x{t.TrainImagesPerSecond / v.TrainImagesPerSecond:F2}, inference peak memory x{Ratio(t.InferPeakMiB, v.InferPeakMiB)}, training peak memory x{Ratio(t.TrainPeakMiB, v.TrainPeakMiB)}");
        return 0;
    }

    private static string Pct(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    public static BenchFigures Measure(string name, nn.Module<Tensor, Tensor> model, double flops, int chans, int size, BenchSettings s, Device device)
    {
        model.to(device);
        using var x = torch.randn(s.BatchSize, chans, size, size, device: device);
        using var y = torch.randint(0, s.Classes, [s.BatchSize], device: device);
        // Inference.
        model.eval();
        double inferRate, inferPeak;
        using (torch.no_grad())
        {
            using (var scope = torch.NewDisposeScope()) model.forward(x);
            var mem = PeakMemory.Start();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < s.Steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                model.forward(x);
            }
            inferRate = s.Steps * s.BatchSize / sw.Elapsed.TotalSeconds;
            inferPeak = mem.StopMiB();
        }
        // Training: forward, backward, AdamW step.
        model.train();
        using var opt = torch.optim.AdamW(model.parameters(), lr: 1e-4);
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            opt.step();
        }
        Step();
        var tmem = PeakMemory.Start();
        var tsw = Stopwatch.StartNew();
        for (int i = 0; i < s.Steps; i++) Step();
        double trainRate = s.Steps * s.BatchSize / tsw.Elapsed.TotalSeconds;
        double trainPeak = tmem.StopMiB();
        model.eval();
        return new BenchFigures(name, model.parameters().Sum(p => p.numel()), flops, inferRate, trainRate, inferPeak, trainPeak);
    }
}

