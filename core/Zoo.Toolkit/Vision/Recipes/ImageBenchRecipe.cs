using System.Globalization;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision.Recipes;

/// <summary>One model of a benchmark: its label, its factory and configuration.</summary>
public sealed record BenchModel(string Label, IImageModelFactory Factory, object Config);

/// <summary>
/// <c>zoo bench MODEL</c>: images/s (inference, training), peak memory and MFU of one or more image models measured in
/// the same run, with ratios to the first when there are several. MFU is against <see cref="MatmulPeak"/> of the same run;
/// peak memory is the rise of the process's peak resident set. The plugin says which models (e.g. TNT and a ViT from the catalog).
/// </summary>
public sealed class ImageBenchRecipe(string model, string description, Func<IZooContext, CommonOptions, ImageBenchOptions, IReadOnlyList<BenchModel>> models)
    : Recipe<ImageBenchOptions>(ZooVerbs.Bench, model, description)
{
    public override int Run(IZooContext context, CommonOptions common, ImageBenchOptions s)
    {
        var list = models(context, common, s);
        int batch = common.BatchSize ?? 32, steps = common.Steps ?? 5;
        var device = context.Device;
        context.Output.Line($"bench {Model}{(common.Preset is null ? "" : ":" + common.Preset)}: {string.Join(" vs ", list.Select(m => m.Label))}, " +
            $"batch {batch}, {steps} steps, {device.type}, {torch.get_num_threads()} threads");
        double peakBefore = MatmulPeak.Measure(device: device);
        var results = new List<BenchFigures>();
        foreach (var m in list)
        {
            torch.manual_seed(0);
            using var net = (nn.Module<Tensor, Tensor>)m.Factory.CreateModel(m.Config, context);
            var spec = ((IImageClassifier)net).InputSpec;
            results.Add(ImageBench.Measure(m.Label, net, m.Factory.ForwardFlopsPerImage(m.Config), spec, batch, steps, s.Classes, device));
        }
        // The machine is shared: measure the peak before and after the models and keep the higher (MFU is then a lower bound).
        double peakAfter = MatmulPeak.Measure(device: device);
        double peak = Math.Max(peakBefore, peakAfter);
        context.Output.Line($"matmul peak (fp32, same run, {torch.get_num_threads()} threads): {peakBefore / 1e9:F1} GFLOP/s before, " +
            $"{peakAfter / 1e9:F1} after; MFU uses {peak / 1e9:F1}");
        context.Output.Table("", ["model", "params", "GFLOP/img", "infer img/s", "train img/s", "infer peak MiB", "train peak MiB", "MFU infer", "MFU train"],
            results.Select(r => (IReadOnlyList<string>)
            [
                r.Model, r.Parameters.ToString("N0", CultureInfo.InvariantCulture), F(r.ForwardFlopsPerImage / 1e9, "F3"),
                F(r.InferImagesPerSecond, "F1"), F(r.TrainImagesPerSecond, "F1"), F(r.InferPeakMiB, "F0"), F(r.TrainPeakMiB, "F0"),
                ImageData.Pct(MatmulPeak.Utilisation(r.InferImagesPerSecond * r.ForwardFlopsPerImage, peak)),
                ImageData.Pct(MatmulPeak.Utilisation(r.TrainImagesPerSecond * 3 * r.ForwardFlopsPerImage, peak)),
            ]));
        var t = results[0];
        foreach (var v in results.Skip(1))
            context.Output.Line($"{t.Model} / {v.Model}: params x{Ratio(t.Parameters, v.Parameters)}, FLOPs x{Ratio(t.ForwardFlopsPerImage, v.ForwardFlopsPerImage)}, " +
                $"inference speed x{Ratio(t.InferImagesPerSecond, v.InferImagesPerSecond)}, training speed x{Ratio(t.TrainImagesPerSecond, v.TrainImagesPerSecond)}, " +
                $"inference peak memory x{Ratio(t.InferPeakMiB, v.InferPeakMiB)}, training peak memory x{Ratio(t.TrainPeakMiB, v.TrainPeakMiB)}");
        return 0;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Ratio(double a, double b) => b > 0 ? (a / b).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
}
