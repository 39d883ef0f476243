using System.Globalization;
using System.Text;

namespace Zoo.Core.Metrics;

/// <summary>
/// The continual-learning accuracy matrix: <c>A[i, j]</c> = accuracy on task j's test set after learning task i
/// (Lopez-Paz and Ranzato 2017; Chaudhry et al. 2018). Entries for tasks not yet learned (j &gt; i) may be NaN.
/// </summary>
public sealed class AccuracyMatrix
{
    private readonly double[,] _a;

    public AccuracyMatrix(int tasks)
    {
        if (tasks < 1) throw new ArgumentOutOfRangeException(nameof(tasks), "need at least one task");
        _a = new double[tasks, tasks];
        for (int i = 0; i < tasks; i++)
            for (int j = 0; j < tasks; j++) _a[i, j] = double.NaN;
    }

    public AccuracyMatrix(double[,] values)
    {
        if (values.GetLength(0) != values.GetLength(1)) throw new ArgumentException("the accuracy matrix must be square", nameof(values));
        _a = (double[,])values.Clone();
    }

    public int Tasks => _a.GetLength(0);

    public double this[int afterTask, int onTask]
    {
        get => _a[afterTask, onTask];
        set => _a[afterTask, onTask] = value;
    }

    private int Last => Tasks - 1;

    /// <summary>Average accuracy over all tasks after the last one: (1/T) sum_j A[T-1, j].</summary>
    public double AverageAccuracy => Enumerable.Range(0, Tasks).Average(j => _a[Last, j]);

    /// <summary>Average accuracy after each task i over the tasks seen so far (the "incremental" curve).</summary>
    public double[] AverageAccuracyCurve => Enumerable.Range(0, Tasks).Select(i => Enumerable.Range(0, i + 1).Average(j => _a[i, j])).ToArray();

    /// <summary>
    /// Forgetting as the drop from the best accuracy ever seen (Chaudhry et al. 2018):
    /// (1/(T-1)) sum_{j&lt;T-1} max_{l&lt;T-1} A[l, j] - A[T-1, j]. Zero for one task.
    /// </summary>
    public double ForgettingFromBest => Tasks == 1 ? 0 :
        Enumerable.Range(0, Last).Average(j => Enumerable.Range(j, Last - j).Max(l => _a[l, j]) - _a[Last, j]);

    /// <summary>Forgetting as the drop from the accuracy right after learning each task: (1/(T-1)) sum_{j&lt;T-1} A[j, j] - A[T-1, j].</summary>
    public double ForgettingFromJustLearned => Tasks == 1 ? 0 : Enumerable.Range(0, Last).Average(j => _a[j, j] - _a[Last, j]);

    /// <summary>Backward transfer (Lopez-Paz and Ranzato 2017): (1/(T-1)) sum_{j&lt;T-1} A[T-1, j] - A[j, j]; negative means forgetting.</summary>
    public double BackwardTransfer => -ForgettingFromJustLearned;

    /// <summary>A plain-text table (rows: after task i; columns: task j), percentages.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.Append("after\\on");
        for (int j = 0; j < Tasks; j++) sb.Append(CultureInfo.InvariantCulture, $"\tT{j}");
        sb.AppendLine();
        for (int i = 0; i < Tasks; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"T{i}");
            for (int j = 0; j < Tasks; j++)
                sb.Append('\t').Append(double.IsNaN(_a[i, j]) ? "-" : (100 * _a[i, j]).ToString("F1", CultureInfo.InvariantCulture));
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>CSV with a header row, values in [0, 1].</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("after_task");
        for (int j = 0; j < Tasks; j++) sb.Append(CultureInfo.InvariantCulture, $",task_{j}");
        sb.AppendLine();
        for (int i = 0; i < Tasks; i++)
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture));
            for (int j = 0; j < Tasks; j++) sb.Append(',').Append(_a[i, j].ToString("R", CultureInfo.InvariantCulture));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
