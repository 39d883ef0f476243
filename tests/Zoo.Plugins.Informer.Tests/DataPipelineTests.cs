using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer.Tests;

/// <summary>The ETT/CSV pipeline against the official loader (the fixtures hold its test windows) and every bad-file case.</summary>
[TestClass]
public sealed class DataPipelineTests
{
    private static DataOptions Ett(string embed = "timeF", string features = "M") => new()
    {
        Path = RepoPaths.EttH1, Features = features, Embed = embed, SeqLen = 48, LabelLen = 24, PredLen = 24,
    };

    [TestMethod]
    [DataRow("tiny_full", "timeF")]
    [DataRow("tiny_fixed_embed", "fixed")]
    public void EttTestWindowsMatchTheOfficialLoader(string fixtureName, string embed)
    {
        using var fixture = ParityFixture.Load(RepoPaths.Fixture(fixtureName));
        var data = new ForecastDataset(Ett(embed));
        // Paper split (12/4/4 months of 30 days): borders of the official Dataset_ETT_hour.
        CollectionAssert.AreEqual(new[] { 0, 8640 - 48, 11520 - 48 }, data.Borders1);
        CollectionAssert.AreEqual(new[] { 8640, 11520, 14400 }, data.Borders2);
        var test = data.Split("test");
        Assert.AreEqual(2857, test.Count);   // the sidecar's len_dataset
        // Scaler fitted on the train rows only, population std.
        var mean = fixture.Sidecar["data"]!["scaler_mean"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        var std = fixture.Sidecar["data"]!["scaler_std_ddof0"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        for (int c = 0; c < 7; c++)
        {
            Close.Within(mean[c], data.Scaler.Mean[c], 1e-9, $"scaler mean {c}");
            Close.Within(std[c], data.Scaler.Std[c], 1e-9, $"scaler std {c}");
        }
        using var batch = test.Batch([0, 1234]);
        using var xDec = InformerModel.DecoderInput(batch.Y[TensorIndex.Colon, TensorIndex.Slice(0, 24)], 24, 24);
        AssertClose(fixture.Input("x_enc"), batch.X, "x_enc");
        AssertClose(fixture.Input("x_mark_enc"), batch.XMark, "x_mark_enc");
        AssertClose(fixture.Input("x_dec"), xDec, "x_dec");
        AssertClose(fixture.Input("x_mark_dec"), batch.YMark, "x_mark_dec");
        AssertClose(fixture.Tensor("target.y"), batch.Y[TensorIndex.Colon, TensorIndex.Slice(24, null)], "target.y");
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, what);
        Close.Below(1e-5f, Close.MaxAbs(expected, actual), $"{what}: max error");
    }

    [TestMethod]
    public void FeatureModesSelectColumnsWithTargetLast()
    {
        var s = new ForecastDataset(Ett(features: "S"));
        CollectionAssert.AreEqual(new[] { "OT" }, s.Columns);
        Assert.AreEqual((1, 1, 1), s.ModelWidths);
        var ms = new ForecastDataset(Ett(features: "MS") with { Target = "HUFL" }, s.Table);
        Assert.AreEqual("HUFL", ms.Columns[^1]);
        Assert.AreEqual(7, ms.Channels);
        Assert.AreEqual((7, 7, 1), ms.ModelWidths);
    }

    [TestMethod]
    public void RatioSplitForOtherFilesAndTrainOnlyScaler()
    {
        var dir = RepoPaths.TempDir();
        var path = Path.Combine(dir, "custom.csv");
        // 100 rows: a level shift after the train part must not move the scaler.
        var lines = new List<string> { "time,a,target" };
        for (int i = 0; i < 100; i++)
            lines.Add($"{new DateTime(2020, 1, 1).AddDays(i):yyyy-MM-dd},{(i < 70 ? i % 2 : 1000)},{i}");
        File.WriteAllLines(path, lines);
        var data = new ForecastDataset(new DataOptions { Path = path, Target = "target", DateColumn = "time", Freq = "d", SeqLen = 4, LabelLen = 2, PredLen = 2 });
        Assert.AreEqual(SplitScheme.Ratio, data.Scheme);
        CollectionAssert.AreEqual(new[] { 0, 70 - 4, 80 - 4 }, data.Borders1);
        CollectionAssert.AreEqual(new[] { 70, 80, 100 }, data.Borders2);
        Close.Within(0.5, data.Scaler.Mean[0], 1e-12, "scaler mean 0");
        Close.Within(0.5, data.Scaler.Std[0], 1e-12, "scaler std 0");
        Close.Within(34.5, data.Scaler.Mean[1], 1e-12, "scaler mean 1");
        Assert.AreEqual(3, data.MarkWidth);   // daily timeF: day of week, day of month, day of year
        Assert.AreEqual(70 - 4 - 2 + 1, data.Split("train").Count);
    }

    [TestMethod]
    public void TimeFeaturesFollowTheReference()
    {
        var t = new DateTime(2018, 2, 20, 5, 30, 0);   // a Tuesday, day 51 of the year
        var h = new float[4];
        TimeFeatures.Continuous(t, 'h', h);
        Close.Within(5 / 23.0 - 0.5, h[0], 1e-6, "hour of day");
        Close.Within(1 / 6.0 - 0.5, h[1], 1e-6, "day of week");
        Close.Within(19 / 30.0 - 0.5, h[2], 1e-6, "day of month");
        Close.Within(50 / 365.0 - 0.5, h[3], 1e-6, "day of year");
        var m = new float[5];
        TimeFeatures.Continuous(t, 't', m);
        Close.Within(30 / 59.0 - 0.5, m[0], 1e-6, "minute of hour");
        var cal = new float[5];
        TimeFeatures.Calendar(t, 't', cal);
        CollectionAssert.AreEqual(new float[] { 2, 20, 1, 5, 2 }, cal);
        Assert.AreEqual('t', TimeFeatures.NormalizeFreq("15min"));
        Assert.AreEqual('h', TimeFeatures.NormalizeFreq("3H"));
        Assert.ThrowsExactly<ArgumentException>(() => TimeFeatures.NormalizeFreq("q"));
        foreach (var f in TimeFeatures.Supported)
            Assert.AreEqual(TimeFeatures.ContinuousCount(f), TimeFeatures.Encode([t], "timeF", f).Length);
    }

    // ---- bad files: each error names the file and the line/column ----

    private static string Write(string content)
    {
        var path = Path.Combine(RepoPaths.TempDir(), "bad.csv");
        File.WriteAllText(path, content);
        return path;
    }

    private static void AssertBad(string content, params string[] fragments)
    {
        var path = Write(content);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TimeSeriesCsv.Read(path, "date", ["OT"]));
        StringAssert.Contains(ex.Message, path);
        foreach (var f in fragments) StringAssert.Contains(ex.Message, f);
    }

    [TestMethod]
    public void MissingTargetColumn() => AssertBad("date,a,b\n2020-01-01 00:00:00,1,2\n", "column 'OT' not found", "a, b");

    [TestMethod]
    public void MissingDateColumn() => AssertBad("time,OT\n2020-01-01 00:00:00,1\n", "no time column 'date'");

    [TestMethod]
    public void EmptyFile() => AssertBad("", "empty");

    [TestMethod]
    public void HeaderOnly() => AssertBad("date,OT\n", "no data rows");

    [TestMethod]
    public void NonNumericCell() => AssertBad("date,a,OT\n2020-01-01 00:00:00,1,2\n2020-01-01 01:00:00,x1,3\n", "line 3", "column 'a'", "'x1' is not a number");

    [TestMethod]
    public void NaNCell() => AssertBad("date,a,OT\n2020-01-01 00:00:00,1,2\n2020-01-01 01:00:00,1,NaN\n", "line 3", "column 'OT'", "NaN");

    [TestMethod]
    public void EmptyCell() => AssertBad("date,a,OT\n2020-01-01 00:00:00,,2\n", "line 2", "column 'a'", "empty");

    [TestMethod]
    public void BadDate() => AssertBad("date,OT\n2020-13-45 00:00:00,1\n", "line 2", "column 'date'", "not a date");

    [TestMethod]
    public void RaggedRow() => AssertBad("date,a,OT\n2020-01-01 00:00:00,1\n", "line 2", "expected 3 fields", "found 2");

    [TestMethod]
    public void UnsortedTimestamps() => AssertBad("date,OT\n2020-01-01 02:00:00,1\n2020-01-01 01:00:00,2\n", "line 3", "earlier", "sorted");

    [TestMethod]
    public void DuplicatedTimestamps() => AssertBad("date,OT\n2020-01-01 01:00:00,1\n2020-01-01 01:00:00,2\n", "line 3", "repeats");

    [TestMethod]
    public void MissingFile()
    {
        var path = Path.Combine(RepoPaths.TempDir(), "nope.csv");
        var ex = Assert.ThrowsExactly<FileNotFoundException>(() => TimeSeriesCsv.Read(path));
        StringAssert.Contains(ex.Message, path);
    }

    [TestMethod]
    public void TooFewRowsForOneWindow()
    {
        var lines = new List<string> { "date,OT" };
        for (int i = 0; i < 20; i++) lines.Add($"{new DateTime(2020, 1, 1).AddHours(i):yyyy-MM-dd HH:mm:ss},{i}");
        var path = Write(string.Join("\n", lines));
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new ForecastDataset(new DataOptions { Path = path, Features = "S", SeqLen = 8, LabelLen = 4, PredLen = 4 }));
        StringAssert.Contains(ex.Message, path);
        StringAssert.Contains(ex.Message, "too few rows");
    }

    [TestMethod]
    public void ShortEttFileIsRefusedForThePaperSplit()
    {
        var lines = new List<string> { "date,OT" };
        for (int i = 0; i < 200; i++) lines.Add($"{new DateTime(2020, 1, 1).AddHours(i):yyyy-MM-dd HH:mm:ss},{i}");
        var path = Path.Combine(RepoPaths.TempDir(), "ETTh9.csv");
        File.WriteAllLines(path, lines);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new ForecastDataset(new DataOptions { Path = path, Features = "S", SeqLen = 8, LabelLen = 4, PredLen = 4 }));
        StringAssert.Contains(ex.Message, "needs 14400 rows");
        // The ratio split works on the same file.
        var ok = new ForecastDataset(new DataOptions { Path = path, Features = "S", SeqLen = 8, LabelLen = 4, PredLen = 4, Split = SplitScheme.Ratio });
        Assert.AreEqual(140, ok.Borders2[0]);
    }
}
