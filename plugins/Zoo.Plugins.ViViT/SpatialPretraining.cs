using TorchSharp;
using Zoo.Core;
using Zoo.Plugins.ViViT.Data;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Plugins.ViViT;

/// <summary>
/// Image pretraining of the spatial encoder for the demo and the benchmark. Gowda et al. freeze a spatial transformer
/// pretrained on images (ImageNet-21K / JFT in ViViT); with no such weights shipped here, the catalog's image classifier is
/// first trained on still digit images to tell the digit (10 classes), its position (3 columns, 3 rows) and its
/// orientation (4 angle bins) — one softmax per group over slices of 20 logits of a linear head on its embedding
/// (the head is discarded: only the encoder is kept). No motion is ever shown to it.
/// </summary>
public static class SpatialPretraining
{
    /// <summary>Logits of the pretraining head: 10 digits + 3 columns + 3 rows + 4 angle bins.</summary>
    public const int Outputs = 20;

    private static readonly (int Start, int Count)[] Groups = [(0, 10), (10, 3), (13, 3), (16, 4)];

    /// <summary>Still frames [N, C, S, S] (normalised for <paramref name="spec"/>) and their group targets [N, 4].</summary>
    public static (Tensor Images, Tensor Targets) Stills(DigitsCsv digits, int count, ImageInputSpec spec, int seed)
    {
        int s = spec.Height, c = spec.Channels, hw = s * s;
        var rng = new Random(seed);
        var buf = new float[count * c * hw];
        var tgt = new long[count * 4];
        double half = s / 4.0, room = s - 2 * half;
        for (int i = 0; i < count; i++)
        {
            int k = rng.Next(digits.Count);
            double cx = half + rng.NextDouble() * room, cy = half + rng.NextDouble() * room, a = (rng.NextDouble() * 2 - 1) * Math.PI;
            var img = MovingDigits.RenderStill(digits.Pixels[k], cx, cy, a, s);
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) buf[(i * c + ch) * hw + p] = (img[p] / 255f - spec.Mean[ch]) / spec.Std[ch];
            tgt[i * 4] = digits.Labels[k];
            tgt[i * 4 + 1] = Math.Min(2, (int)((cx - half) / room * 3));
            tgt[i * 4 + 2] = Math.Min(2, (int)((cy - half) / room * 3));
            tgt[i * 4 + 3] = Math.Min(3, (int)((a + Math.PI) / (2 * Math.PI) * 4));
        }
        return (torch.tensor(buf, [count, c, s, s]), torch.tensor(tgt, [count, 4]));
    }

    /// <summary>
    /// Trains the encoder <paramref name="model"/> (any <see cref="IImageEncoder"/>) through a pretraining head on its
    /// embedding (<see cref="Outputs"/> logits, discarded afterwards) for <paramref name="steps"/> AdamW steps; returns the
    /// accuracy of each group (digit, column, row, angle) on fresh stills.
    /// </summary>
    public static double[] Pretrain(nn.Module model, DigitsCsv digits, int steps, int batchSize, double lr, int seed, IZooContext context)
    {
        var enc = model as IImageEncoder ?? throw new InvalidDataException($"Spatial pretraining needs an image encoder; {model.GetType().Name} is not one.");
        var device = context.Device;
        // The head is not a child of the encoder's module tree: disposing it leaves the encoder's weights alone.
        using var head = nn.Linear(enc.EmbeddingDim, Outputs);
        head.to(device);
        model.to(device);
        var (x, y) = Stills(digits, Math.Max(batchSize * 8, 512), enc.InputSpec, seed);
        using var _x = x;
        using var _y = y;
        using var opt = torch.optim.AdamW(model.parameters().Concat(head.parameters()), lr: lr, weight_decay: 0.05);
        var rng = new Random(seed);
        int n = (int)x.shape[0];
        IEnumerable<long[]> Batches(int epoch)
        {
            for (int step = 0; step < steps; step++) yield return Enumerable.Range(0, batchSize).Select(_ => (long)rng.Next(n)).ToArray();
        }
        Tensor Loss(long[] rows)
        {
            var idx = torch.tensor(rows);
            var logits = head.forward(enc.Encode(x.index_select(0, idx).to(device)));
            var t = y.index_select(0, idx).to(device);
            Tensor loss = torch.zeros(1, device: device);
            for (int g = 0; g < Groups.Length; g++)
                loss = loss + nn.functional.cross_entropy(logits.narrow(1, Groups[g].Start, Groups[g].Count), t.select(1, g));
            return loss.squeeze();
        }
        if (steps > 0)
            TrainingLoop.Run(context, new TrainingOptions { Epochs = 1, MaxSteps = steps, Name = "spatial pretraining" }, model, opt, Batches, Loss,
                stepsInEpoch: _ => steps);
        model.eval();
        var (tx, ty) = Stills(digits, 256, enc.InputSpec, seed + 1);
        using var _tx = tx;
        using var _ty = ty;
        using var __ = torch.no_grad();
        using var s2 = torch.NewDisposeScope();
        var logits2 = head.forward(enc.Encode(tx.to(device))).cpu();
        return Groups.Select((g, i) =>
            (double)logits2.narrow(1, g.Start, g.Count).argmax(1).eq(ty.select(1, i)).to(ScalarType.Float32).mean().item<float>()).ToArray();
    }
}
