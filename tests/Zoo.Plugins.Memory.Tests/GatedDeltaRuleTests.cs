using Zoo.Plugins.HybridLinearAttention;

namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public sealed class GatedDeltaRuleTests
{
    [TestMethod]
    public void StepFormReproducesFixture()
    {
        using var scope = NewDisposeScope();
        using var fx = MemoryChecks.Fixture("gated_deltanet");
        var (q, k) = GatedDeltaRule.NormaliseQK(fx.Input("q"), fx.Input("k"));
        var g = GatedDeltaRule.Gate(fx.Input("a"), fx.Input("A_log"), fx.Input("dt_bias"));
        var beta = fx.Input("b").sigmoid();
        Assert.IsTrue(Close.MaxAbs(g, fx.Input("g")) < 1e-6, "gate");
        Assert.IsTrue(Close.MaxAbs(GatedDeltaRule.L2Norm(fx.Input("q")), fx.Outputs["q_l2"]) < 1e-6, "q_l2");
        var (o, s, states) = GatedDeltaRule.Recurrent(q, k, fx.Input("v"), g, beta, keepStates: true);
        Assert.IsTrue(Close.MaxAbs(o, fx.Outputs["o"]) < 1e-4);
        Assert.IsTrue(Close.MaxAbs(s, fx.Outputs["state"]) < 1e-4);
        Assert.IsTrue(Close.MaxAbs(states!, fx.Outputs["states"]) < 1e-4);
        var (oh, sh, _) = GatedDeltaRule.Recurrent(q, k, fx.Input("v"), g, beta, fx.Input("h0"));
        Assert.IsTrue(Close.MaxAbs(oh, fx.Outputs["o_h0"]) < 1e-4);
        Assert.IsTrue(Close.MaxAbs(sh, fx.Outputs["state_h0"]) < 1e-4);
    }

    [TestMethod]
    [DataRow(4)]
    [DataRow(5)]
    [DataRow(16)]
    public void ChunkFormMatchesFixtureAndStepForm(int chunk)
    {
        using var scope = NewDisposeScope();
        using var fx = MemoryChecks.Fixture("gated_deltanet");
        var (q, k) = GatedDeltaRule.NormaliseQK(fx.Input("q"), fx.Input("k"));
        var v = fx.Input("v");
        var g = fx.Input("g");
        var beta = fx.Input("beta");
        var (oc, sc) = GatedDeltaRule.Chunk(q, k, v, g, beta, fx.Input("h0"), chunk);
        Assert.IsTrue(Close.MaxAbs(oc, fx.Outputs["o_h0"]) < 1e-4);
        Assert.IsTrue(Close.MaxAbs(sc, fx.Outputs["state_h0"]) < 1e-4);
        var (os, ss, _) = GatedDeltaRule.Recurrent(q, k, v, g, beta, fx.Input("h0"));
        Assert.IsTrue(Close.MaxAbs(oc, os) < 1e-5, $"chunk {chunk} vs step: {Close.MaxAbs(oc, os)}");
        Assert.IsTrue(Close.MaxAbs(sc, ss) < 1e-5);
    }

    [TestMethod]
    public void BetaZeroAndNoDecayLeavesStateUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var q = randn(2, 2, 6, 4); var k = randn(2, 2, 6, 4); var v = randn(2, 2, 6, 4);
        var h0 = randn(2, 2, 4, 4);
        var (o, s, _) = GatedDeltaRule.Recurrent(q, k, v, zeros(2, 2, 6), zeros(2, 2, 6), h0);
        Assert.IsTrue(Close.MaxAbs(s, h0) < 1e-7);
        Assert.IsTrue(Close.MaxAbs(o, q.matmul(h0)) < 1e-5);   // o_t = S^T q = (q^T S)^T
    }

    [TestMethod]
    public void Hgrn2ChunkMatchesStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var q = randn(2, 2, 19, 8); var f = randn(2, 2, 19, 8) * 3; var v = randn(2, 2, 19, 6);
        var h0 = randn(2, 2, 8, 6);
        var g = Hgrn2Recurrence.LogForget(f);
        var (os, ss) = Hgrn2Recurrence.Recurrent(q, g, v, h0);
        foreach (var c in new[] { 1, 4, 8, 19 })
        {
            var (oc, sc) = Hgrn2Recurrence.Chunk(q, g, v, h0, c);
            Assert.IsTrue(Close.MaxAbs(oc, os) < 1e-5, $"chunk {c}: {Close.MaxAbs(oc, os)}");
            Assert.IsTrue(Close.MaxAbs(sc, ss) < 1e-5);
        }
    }

    [TestMethod]
    public void Hgrn2HandComputedStep()
    {
        using var scope = NewDisposeScope();
        // One head, K = 1, V = 1: S_1 = e^g * S_0 + (1 - e^g) v, o = S_1 * q (K^-0.5 = 1).
        var g = tensor(new float[] { MathF.Log(0.25f) }).view(1, 1, 1, 1);
        var (o, s) = Hgrn2Recurrence.Recurrent(tensor(new float[] { 2f }).view(1, 1, 1, 1), g, tensor(new float[] { 4f }).view(1, 1, 1, 1), full(1, 1, 1, 1, 8f));
        Assert.AreEqual(0.25 * 8 + 0.75 * 4, s.item<float>(), 1e-5);
        Assert.AreEqual(2 * 5.0, o.item<float>(), 1e-5);
        // the lower bound keeps the forget gate above lb
        var lb = Hgrn2Recurrence.LogForget(full(3, -30f), 0.3).exp();
        Assert.IsTrue(lb.min().item<float>() >= 0.3f - 1e-6);
    }
}
