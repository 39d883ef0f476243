using Zoo.Core.Metrics;

namespace Zoo.Core.Tests;

[TestClass]
public sealed class AccuracyMatrixTests
{
    // Rows: after learning task i; columns: accuracy on task j.
    private static AccuracyMatrix Example() => new(new double[,]
    {
        { 0.90, double.NaN, double.NaN },
        { 0.60, 0.80, double.NaN },
        { 0.50, 0.70, 0.95 },
    });

    [TestMethod]
    public void AverageAccuracyIsTheMeanOfTheLastRow() =>
        Close.Within((0.50 + 0.70 + 0.95) / 3, Example().AverageAccuracy, 1e-12, "average accuracy");

    [TestMethod]
    public void ForgettingFromBestUsesTheBestEarlierAccuracy()
    {
        // task 0: best 0.90 -> 0.50 = 0.40; task 1: best 0.80 -> 0.70 = 0.10; mean 0.25
        Close.Within(0.25, Example().ForgettingFromBest, 1e-12, "forgetting from best");
    }

    [TestMethod]
    public void ForgettingFromBestDiffersFromJustLearnedWhenAccuracyRoseLater()
    {
        var m = new AccuracyMatrix(new double[,] { { 0.5, 0, 0 }, { 0.9, 0.8, 0 }, { 0.6, 0.8, 1.0 } });
        Close.Within(((0.9 - 0.6) + 0.0) / 2, m.ForgettingFromBest, 1e-12, "forgetting from best");
        Close.Within(((0.5 - 0.6) + 0.0) / 2, m.ForgettingFromJustLearned, 1e-12, "forgetting from just learned");
    }

    [TestMethod]
    public void BackwardTransferIsNegativeForgettingFromJustLearned()
    {
        // ((0.50 - 0.90) + (0.70 - 0.80)) / 2 = -0.25
        Close.Within(-0.25, Example().BackwardTransfer, 1e-12, "backward transfer");
    }

    [TestMethod]
    public void CurveAveragesSeenTasks()
    {
        var curve = Example().AverageAccuracyCurve;
        Close.Within(0.90, curve[0], 1e-12, "curve after task 0");
        Close.Within(0.70, curve[1], 1e-12, "curve after task 1");
        Close.Within((0.50 + 0.70 + 0.95) / 3, curve[2], 1e-12, "curve after task 2");
    }

    [TestMethod]
    public void SingleTaskHasNoForgetting()
    {
        var m = new AccuracyMatrix(1) { [0, 0] = 0.7 };
        Close.Within(0, m.ForgettingFromBest, 0, "forgetting with one task");
        Close.Within(0.7, m.AverageAccuracy, 1e-12, "average accuracy");
    }

    [TestMethod]
    public void TableAndCsvShowEveryEntry()
    {
        var m = Example();
        StringAssert.Contains(m.ToTable(), "T2\t50.0\t70.0\t95.0");
        StringAssert.Contains(m.ToCsv(), "2,0.5,0.7,0.95");
        Assert.ThrowsExactly<ArgumentException>(() => new AccuracyMatrix(new double[2, 3]));
    }
}
