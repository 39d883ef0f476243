using Zoo.Toolkit.Data;

namespace Zoo.Toolkit.Tests;

[TestClass]
public sealed class ShippedDataTests
{
    [TestMethod]
    public void FindsShippedFilesFromTheTestFolder_AndNamesWhatIsMissing()
    {
        var ett = ShippedData.Find("data/ett/ETTh1.csv");
        Assert.IsNotNull(ett);
        Assert.IsTrue(File.Exists(ett));
        Assert.IsNull(ShippedData.Find("data/no-such-file.csv"));
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => ShippedData.Require("data/no-such-file.csv"));
        StringAssert.Contains(e.Message, "data/no-such-file.csv");
        StringAssert.Contains(e.Message, "ZOO_DATA");
    }

    [TestMethod]
    public void AUsersExistingPathWins()
    {
        var f = Path.GetTempFileName();
        Assert.AreEqual(Path.GetFullPath(f), ShippedData.Resolve(f));
        File.Delete(f);
    }
}
