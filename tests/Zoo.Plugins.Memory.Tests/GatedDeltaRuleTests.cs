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
        Close.Below(1e-6, Close.MaxAbs(g, fx.Input("g")), "gate");
        Close.Below(1e-6, Close.MaxAbs(GatedDeltaRule.L2Norm(fx.Input("q")), fx.Outputs["q_l2"]), "q_l2");
        var (o, s, states) = GatedDeltaRule.Recurrent(q, k, fx.Input("v"), g, beta, keepStates: true);
        Close.Below(1e-4, Close.MaxAbs(o, fx.Outputs["o"]), "o vs fx.Outputs[\"o\"]");
        Close.Below(1e-4, Close.MaxAbs(s, fx.Outputs["state"]), "s vs fx.Outputs[\"state\"]");
        Close.Below(1e-4, Close.MaxAbs(states!, fx.Outputs["states"]), "states vs fx.Outputs[\"states\"]");
        var (oh, sh, _) = GatedDeltaRule.Recurrent(q, k, fx.Input("v"), g, beta, fx.Input("h0"));
        Close.Below(1e-4, Close.MaxAbs(oh, fx.Outputs["o_h0"]), "oh vs fx.Outputs[\"o_h0\"]");
        Close.Below(1e-4, Close.MaxAbs(sh, fx.Outputs["state_h0"]), "sh vs fx.Outputs[\"state_h0\"]");
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
        Close.Below(1e-4, Close.MaxAbs(oc, fx.Outputs["o_h0"]), "oc vs fx.Outputs[\"o_h0\"]");
        Close.Below(1e-4, Close.MaxAbs(sc, fx.Outputs["state_h0"]), "sc vs fx.Outputs[\"state_h0\"]");
        var (os, ss, _) = GatedDeltaRule.Recurrent(q, k, v, g, beta, fx.Input("h0"));
        Close.Below(1e-5, Close.MaxAbs(oc, os), $"chunk {chunk} vs step: {Close.MaxAbs(oc, os)}");
        Close.Below(1e-5, Close.MaxAbs(sc, ss), "sc vs ss");
    }

    [TestMethod]
    public void BetaZeroAndNoDecayLeavesStateUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var q = randn(2, 2, 6, 4); var k = randn(2, 2, 6, 4); var v = randn(2, 2, 6, 4);
        var h0 = randn(2, 2, 4, 4);
        var (o, s, _) = GatedDeltaRule.Recurrent(q, k, v, zeros(2, 2, 6), zeros(2, 2, 6), h0);
        Close.Below(1e-7, Close.MaxAbs(s, h0), "s vs h0");
        Close.Below(1e-5, Close.MaxAbs(o, q.matmul(h0)), "o vs q.matmul(h0)");   // o_t = S^T q = (q^T S)^T
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
            Close.Below(1e-5, Close.MaxAbs(oc, os), $"chunk {c}: {Close.MaxAbs(oc, os)}");
            Close.Below(1e-5, Close.MaxAbs(sc, ss), "sc vs ss");
        }
    }

    [TestMethod]
    public void Hgrn2HandComputedStep()
    {
        using var scope = NewDisposeScope();
        // One head, K = 1, V = 1: S_1 = e^g * S_0 + (1 - e^g) v, o = S_1 * q (K^-0.5 = 1).
        var g = tensor(new float[] { MathF.Log(0.25f) }).view(1, 1, 1, 1);
        var (o, s) = Hgrn2Recurrence.Recurrent(tensor(new float[] { 2f }).view(1, 1, 1, 1), g, tensor(new float[] { 4f }).view(1, 1, 1, 1), full(1, 1, 1, 1, 8f));
        Close.Within(0.25 * 8 + 0.75 * 4, s.item<float>(), 1e-5, "state after one step");
        Close.Within(2 * 5.0, o.item<float>(), 1e-5, "output after one step");
        // the lower bound keeps the forget gate above lb
        var lb = Hgrn2Recurrence.LogForget(full(3, -30f), 0.3).exp();
        Close.AtLeast(0.3f - 1e-6, lb.min().item<float>(), "forget gate with lower bound 0.3");
    }
}
