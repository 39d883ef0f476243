using System.Diagnostics;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision;

/// <summary>One model's figures in an image benchmark.</summary>
public sealed record BenchFigures(string Model, long Parameters, double ForwardFlopsPerImage, double InferImagesPerSecond, double TrainImagesPerSecond,
    double InferPeakMiB, double TrainPeakMiB);

/// <summary>Images/s for inference and training (forward, backward, AdamW), and the peak-memory rise of each.</summary>
public static class ImageBench
{
    public static BenchFigures Measure(string name, nn.Module<Tensor, Tensor> model, double flops, ImageInputSpec spec, int batchSize, int steps,
        int classes, Device device)
    {
        model.to(device);
        using var x = torch.randn(batchSize, spec.Channels, spec.Height, spec.Width, device: device);
        using var y = torch.randint(0, classes, [batchSize], device: device);
        model.eval();
        double inferRate, inferPeak;
        using (torch.no_grad())
        {
            using (torch.NewDisposeScope()) model.forward(x);
            var mem = PeakMemory.Start();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var scope = torch.NewDisposeScope();
                model.forward(x);
            }
            inferRate = steps * batchSize / sw.Elapsed.TotalSeconds;
            inferPeak = mem.StopMiB();
        }
        model.train();
        using var opt = torch.optim.AdamW(model.parameters(), lr: 1e-4);
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            nn.functional.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }
        Step();
        var tmem = PeakMemory.Start();
        var tsw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        double trainRate = steps * batchSize / tsw.Elapsed.TotalSeconds;
        double trainPeak = tmem.StopMiB();
        model.eval();
        return new BenchFigures(name, model.parameters().Sum(p => p.numel()), flops, inferRate, trainRate, inferPeak, trainPeak);
    }
}
