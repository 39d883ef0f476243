using System.Globalization;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer.Tests;

/// <summary>Training loop, learning-rate schedule, checkpoints, evaluation, prediction files and the command line.</summary>
[TestClass]
public sealed class TrainingTests
{
    internal static string SineCsv(int rows = 480)
    {
        var path = Path.Combine(RepoPaths.TempDir(), "sine.csv");
        var rng = new Random(1);
        var lines = new List<string> { "date,load,OT" };
        for (int i = 0; i < rows; i++)
        {
            var t = new DateTime(2021, 3, 1).AddHours(i);
            double load = 10 + 3 * Math.Sin(2 * Math.PI * i / 24) + 0.1 * rng.NextDouble();
            double ot = 40 + 5 * Math.Cos(2 * Math.PI * i / 24) + 0.1 * rng.NextDouble();
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{t:yyyy-MM-dd HH:mm:ss},{load},{ot}"));
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    private static InformerConfig TinyFor(ForecastDataset data) => new()
    {
        EncIn = data.ModelWidths.EncIn, DecIn = data.ModelWidths.DecIn, COut = data.ModelWidths.COut,
        SeqLen = 24, LabelLen = 12, OutLen = 6, DModel = 16, NHeads = 2, ELayers = 2, DLayers = 1, DFf = 32, Dropout = 0, Attn = "prob",
    };

    [TestMethod]
    public void LearningRateScheduleFollowsTheReference()
    {
        // type1: epochs 1 and 2 at lr0, then halved after every epoch.
        Close.Within(1e-4, InformerTraining.LearningRateAfter("type1", 1e-4, 1, 1e-4), 1e-15, "learning rate after epoch 1, type1");
        Close.Within(5e-5, InformerTraining.LearningRateAfter("type1", 1e-4, 2, 1e-4), 1e-15, "learning rate after epoch 2, type1");
        Close.Within(1.25e-5, InformerTraining.LearningRateAfter("type1", 1e-4, 4, 1e-4), 1e-15, "learning rate after epoch 4, type1");
        Close.Within(5e-5, InformerTraining.LearningRateAfter("type2", 1e-4, 2, 1e-4), 1e-15, "learning rate after epoch 2, type2");
        Close.Within(3e-5, InformerTraining.LearningRateAfter("type2", 1e-4, 3, 3e-5), 1e-15, "learning rate after epoch 3, type2");
        Assert.ThrowsExactly<ArgumentException>(() => InformerTraining.LearningRateAfter("type9", 1e-4, 1, 1e-4));
    }

    [TestMethod]
    [DataRow("MS")]
    [DataRow("S")]
    public void TrainsSavesTheBestCheckpointAndPredictsInOriginalUnits(string features)
    {
        var data = new ForecastDataset(new DataOptions { Path = SineCsv(), Features = features, SeqLen = 24, LabelLen = 12, PredLen = 6 });
        manual_seed(7);
        using var model = new InformerModel(TinyFor(data));
        var val = data.Split("val");
        var before = InformerTraining.ValidationLoss(model, val, 16, data.Features, 0, CPU);
        var dir = Path.Combine(RepoPaths.TempDir(), "ckpt");
        var epochs = new List<EpochRecord>();
        var result = InformerTraining.Train(ZooContext.Default, model, data,
            new TrainOptions { TrainEpochs = 3, BatchSize = 16, MaxStepsPerEpoch = 12, LearningRate = 3e-3, Patience = 3 }, dir, (e, _) => epochs.Add(e));
        Assert.HasCount(result.Epochs.Count, epochs);
        Close.Below(before, result.BestValidation!.Value, $"validation MSE did not improve: {before} -> {result.BestValidation}");
        Assert.IsTrue(File.Exists(Path.Combine(dir, Checkpoint.ConfigFile)) && File.Exists(Path.Combine(dir, Checkpoint.WeightsFile)));
        // ProbSparse draws new key samples every call (as the reference), so compare under the same seed.
        manual_seed(99);
        var bestAgain = InformerTraining.ValidationLoss(model, val, 16, data.Features, 0, CPU);
        Close.Below(before, bestAgain, "the model holds the trained weights");

        // Reload: same metrics, scaler and data settings travel with the checkpoint.
        manual_seed(5);
        var metrics = InformerTraining.Evaluate(model, data.Split("test"), 16, data.Features, 0, CPU);
        var (loaded, options, scaler, columns) = InformerCheckpoint.Load(dir);
        using (loaded)
        {
            CollectionAssert.AreEqual(data.Columns, columns);
            CollectionAssert.AreEqual(data.Scaler.Mean, scaler.Mean);
            manual_seed(5);
            var again = InformerTraining.Evaluate(loaded, new ForecastDataset(options).Split("test"), 16, features, 0, CPU);
            Close.Within(metrics.Mse, again.Mse, 1e-6, "MSE after reload");
            Close.Within(metrics.Mae, again.Mae, 1e-6, "MAE after reload");

            // Forecast past the end of the file: dates continue hourly, values are in original units (OT around 40 +- 5).
            var r = InformerPrediction.Predict(loaded, data, CPU);
            Assert.AreEqual(data.Table.Stamps[^1].AddHours(1), r.FutureTime[0]);
            Assert.IsNull(r.Actual);
            Assert.AreEqual("OT", r.Channels[^1]);
            Assert.IsTrue(r.Forecast[^1].All(v => v > 30 && v < 50), string.Join(", ", r.Forecast[^1]));
            var outDir = RepoPaths.TempDir();
            InformerPrediction.WriteCsv(Path.Combine(outDir, "f.csv"), r);
            InformerPrediction.WritePlot(Path.Combine(outDir, "f.png"), r, "test");
            var lines = File.ReadAllLines(Path.Combine(outDir, "f.csv"));
            Assert.AreEqual(features == "S" ? "date,OT" : "date,OT", lines[0]);
            Assert.HasCount(7, lines);
            var png = File.ReadAllBytes(Path.Combine(outDir, "f.png"));
            CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
            Assert.IsGreaterThan(5000, png.Length);
            // Inside the series: the truth comes along.
            var inside = InformerPrediction.Predict(loaded, data, CPU, endRow: 100);
            Assert.IsNotNull(inside.Actual);
            Close.Within(data.Table.Values[data.Table.ColumnIndex("OT")][100], inside.Actual![^1][0], 0, "the truth at row 100");
        }
    }

    [TestMethod]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var data = new ForecastDataset(new DataOptions { Path = SineCsv(), Features = "S", SeqLen = 24, LabelLen = 12, PredLen = 6 });
        manual_seed(1);
        var config = TinyFor(data);
        config.Attn = "full";   // deterministic validation loss (ProbSparse resamples keys on every call)
        config.Distil = false;  // and no BatchNorm running statistics moving during training
        using var model = new InformerModel(config);
        // A learning rate of 0 never improves on epoch 1, so training stops after 1 + patience epochs.
        var result = InformerTraining.Train(ZooContext.Default, model, data,
            new TrainOptions { TrainEpochs = 10, BatchSize = 16, LearningRate = 0, Patience = 2, MaxStepsPerEpoch = 2 }, Path.Combine(RepoPaths.TempDir(), "c"));
        Assert.IsTrue(result.StoppedEarly);
        Assert.AreEqual(3, result.Epochs.Count);
        Assert.AreEqual(1, result.BestEpoch);
    }

    [TestMethod]
    public void CorruptCheckpointIsReportedWithItsPath()
    {
        var dir = RepoPaths.TempDir();
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), "{ not json");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => InformerCheckpoint.Load(dir));
        StringAssert.Contains(ex.Message, dir);
    }
}
