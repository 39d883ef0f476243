namespace Zoo.Toolkit.TimeSeries;

/// <summary>z-score per column with the population std (numpy ddof = 0), fitted on the training rows only (as the reference).</summary>
public sealed class StandardScaler
{
    public StandardScaler(double[] mean, double[] std)
    {
        if (mean.Length != std.Length) throw new ArgumentException("Scaler mean and std must have the same length.");
        Mean = mean;
        Std = std;
    }

    public double[] Mean { get; }
    public double[] Std { get; }

    /// <summary>Fits on rows [0, rows) of each column. A constant column gets std 1 (the reference would divide by zero).</summary>
    public static StandardScaler Fit(IReadOnlyList<double[]> columns, int rows)
    {
        var mean = new double[columns.Count];
        var std = new double[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            double m = 0;
            for (int r = 0; r < rows; r++) m += columns[c][r];
            m /= rows;
            double s = 0;
            for (int r = 0; r < rows; r++) s += (columns[c][r] - m) * (columns[c][r] - m);
            s = Math.Sqrt(s / rows);
            mean[c] = m;
            std[c] = s > 0 ? s : 1.0;
        }
        return new StandardScaler(mean, std);
    }

    public double Transform(double value, int column) => (value - Mean[column]) / Std[column];

    public double Inverse(double value, int column) => value * Std[column] + Mean[column];
}
