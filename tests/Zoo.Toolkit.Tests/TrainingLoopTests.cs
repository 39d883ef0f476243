using Zoo.Core;
using Zoo.Toolkit.Training;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Tests;

[TestClass]
public sealed class TrainingLoopTests
{
    private static (nn.Module<Tensor, Tensor> Model, optim.Optimizer Opt, Tensor X, Tensor Y) Problem(double lr = 0.1)
    {
        manual_seed(1);
        var model = nn.Linear(3, 1);
        var x = randn(64, 3);
        var y = x.matmul(tensor(new float[] { 1, -2, 0.5f }).reshape(3, 1)) + 0.3f;
        return (model, optim.SGD(model.parameters(), lr), x, y);
    }

    private static IEnumerable<(Tensor, Tensor)> Batches(Tensor x, Tensor y)
    {
        for (int i = 0; i < 64; i += 16) yield return (x[i..(i + 16)], y[i..(i + 16)]);
    }

    [TestMethod]
    public void LossFalls_BestEpochIsSaved_AndHistoryIsComplete()
    {
        var (model, opt, x, y) = Problem();
        var saved = new List<int>();
        var h = TrainingLoop.Run(ZooContext.Default, new TrainingOptions { Epochs = 5, Seed = 3 }, model, opt,
            _ => Batches(x, y), b => nn.functional.mse_loss(model.call(b.Item1), b.Item2),
            validate: _ => nn.functional.mse_loss(model.call(x), y).item<float>(), saveBest: (e, _) => saved.Add(e));
        Assert.HasCount(5, h.Epochs);
        Assert.AreEqual(20, h.TotalSteps);
        Assert.HasCount(20, h.StepLosses);
        Close.AtMost(h.Epochs[0].TrainLoss * 0.5, h.Epochs[^1].TrainLoss, "train loss after 5 epochs");
        Assert.AreEqual(h.BestEpoch, saved[^1]);
        CollectionAssert.AreEqual(h.Epochs.Where(e => e.Best).Select(e => e.Epoch).ToList(), saved);
    }

    [TestMethod]
    public void Patience_StopsEarly_WhenValidationStopsImproving()
    {
        var (model, opt, x, y) = Problem();
        double[] val = [1.0, 0.5, 0.6, 0.7, 0.8, 0.2];
        var h = TrainingLoop.Run(ZooContext.Default, new TrainingOptions { Epochs = 6, Patience = 2 }, model, opt,
            _ => Batches(x, y), b => nn.functional.mse_loss(model.call(b.Item1), b.Item2), validate: e => val[e - 1]);
        Assert.IsTrue(h.StoppedEarly);
        Assert.HasCount(4, h.Epochs);
        Assert.AreEqual(2, h.BestEpoch);
    }

    [TestMethod]
    public void MaxSteps_CapsTheRun_AndANonFiniteLossIsANamedError()
    {
        var (model, opt, x, y) = Problem();
        var h = TrainingLoop.Run(ZooContext.Default, new TrainingOptions { Epochs = 10, MaxSteps = 6 }, model, opt,
            _ => Batches(x, y), b => nn.functional.mse_loss(model.call(b.Item1), b.Item2));
        Assert.AreEqual(6, h.TotalSteps);
        var (m2, o2, _, _) = Problem();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TrainingLoop.Run(ZooContext.Default, new TrainingOptions { Epochs = 1, Name = "probe" }, m2, o2,
            _ => Batches(x, y), b => m2.call(b.Item1).sum() * float.NaN));
        StringAssert.Contains(e.Message, "probe");
        StringAssert.Contains(e.Message, "epoch 1, step 1");
    }

    [TestMethod]
    public void History_WritesCsvAndALabelledPlot()
    {
        var (model, opt, x, y) = Problem();
        var h = TrainingLoop.Run(ZooContext.Default, new TrainingOptions { Epochs = 2 }, model, opt,
            _ => Batches(x, y), b => nn.functional.mse_loss(model.call(b.Item1), b.Item2), validate: _ => 0.5);
        var dir = Path.Combine(Path.GetTempPath(), "zoo-hist-" + Guid.NewGuid().ToString("N"));
        h.WriteCsv(Path.Combine(dir, "history.csv"));
        h.Plot(Path.Combine(dir, "loss.png"), "probe loss", "MSE");
        var lines = File.ReadAllLines(Path.Combine(dir, "history.csv"));
        Assert.AreEqual("epoch,steps,train_loss,validation,seconds,best", lines[0]);
        Assert.HasCount(3, lines);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "loss.png")));
    }
}
