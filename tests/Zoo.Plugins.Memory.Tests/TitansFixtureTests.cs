using TorchSharp;
using Zoo.Plugins.Miras;
using static TorchSharp.torch;

namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public sealed class TitansFixtureTests
{
    [TestMethod]
    public void RecurrenceRunnerReproducesEveryFixtureOutput()
    {
        using var scope = NewDisposeScope();
        using var fx = Repo.Fixture("titans_l2");
        var produced = TitansFixture.Run(fx);
        var errors = fx.Compare(produced);
        Assert.AreEqual(fx.Outputs.Count, errors.Count);
        foreach (var (name, err) in errors) Assert.IsTrue(err < 1e-4, $"{name}: {err}");
    }

    [TestMethod]
    public void LinearStepMatchesTitansEquationsByHand()
    {
        using var scope = NewDisposeScope();
        // B=H=1, D=2, two tokens. W0 = 0, S0 = 0, theta = 0.5, eta = 0.5, alpha = 0.1.
        var mem = new MirasMemory(new MirasSpec());
        var k = tensor(new float[] { 1, 0, 0, 1 }).view(1, 1, 2, 2);
        var v = tensor(new float[] { 2, 3, 4, 5 }).view(1, 1, 2, 2);
        var gates = new MirasGates(full(1, 1, 2, 0.9f), full(1, 1, 2, 0.5f), full(1, 1, 2, 0.5f));
        var scan = mem.Scan(mem.InitialState([zeros(1, 1, 2, 2)]), k, k, v, gates, keepStates: true);
        // t=1: grad = 2(0 - v1) k1^T = [[-4,0],[-6,0]]; S1 = -0.5 grad = [[2,0],[3,0]]; W1 = 0.9*0 + S1.
        // t=2: W1 k2 = 0, grad = 2(0 - v2) k2^T = [[0,-8],[0,-10]]; S2 = 0.5 S1 - 0.5 grad = [[1,4],[1.5,5]];
        //      W2 = 0.9 W1 + S2 = [[2.8,4],[4.2,5]]
        var expected = tensor(new float[] { 2.8f, 4, 4.2f, 5 }).view(1, 1, 2, 2);
        Assert.IsTrue(Repo.MaxAbs(scan.State["w"], expected) < 1e-6);
        Assert.IsTrue(Repo.MaxAbs(scan.Output[0, 0, 1], tensor(new float[] { 4, 5 })) < 1e-6);   // o_2 = W2 k2
        Assert.AreEqual(13.0 + 41.0, scan.Loss.sum().item<float>(), 1e-4);                            // ||v1||^2 + ||v2||^2
    }
}
