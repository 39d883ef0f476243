namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class TrainingTests
{
    private static readonly Zoo.Core.ZooContext Ctx = TestCatalog.Context();

    [TestMethod]
    public void ShortFrozenTrainingBeatsChanceOnMovingDigits()
    {
        torch.manual_seed(0);
        // The tests' own tiny encoder (frozen, random): patch means through a Linear keep where the digit is, which is what motion needs.
        var cfg = new ViViTConfig
        {
            SpatialModel = "tiny-encoder", NumFrames = 6, NumClasses = 6, TemporalDepth = 1, TemporalHeads = 4, AdapterDim = 16, TemporalInit = TemporalInit.Random,
        };
        using var model = FactorisedEncoderViViT.Create(cfg, Ctx);
        var digits = DigitsCsv.Load(RepoPaths.Digits);
        var train = MovingDigits.Generate(digits, 180, cfg.NumFrames, model.InputSpec, seed: 1);
        var test = MovingDigits.Generate(digits, 90, cfg.NumFrames, model.InputSpec, seed: 2);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var hist = VideoTraining.Train(model, train, null, new VideoTrainOptions { Epochs = 10, BatchSize = 12, LearningRate = 4e-3, Seed = 0 }, Ctx);
        var eval = VideoTraining.Evaluate(model, test);
        Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1}s loss {string.Join(", ", hist.Select(h => h.TrainLoss.ToString("F3")))} test acc {eval.Top1:P1}");
        Close.Above(1.0 / 6 + 0.12, eval.Top1, $"held-out accuracy {eval.Top1:P1} is not clearly above chance (16.7%)");
    }
}
