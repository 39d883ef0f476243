using Zoo.Core;
using Zoo.Plugins.Atlas;

namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public sealed class AtlasTests
{
    [TestMethod]
    public void PolynomialFeaturesApproximateTheExponentialKernel()
    {
        using var scope = NewDisposeScope();
        var phi = new PolynomialFeatures(5, 2);
        Assert.AreEqual(21, phi.OutputDim);                       // C(5 + 2, 2)
        Assert.AreEqual(56, new PolynomialFeatures(5, 3).OutputDim);
        manual_seed(0);
        var x = randn(3, 5, dtype: ScalarType.Float64);
        var y = randn(3, 5, dtype: ScalarType.Float64);
        var c = phi.InitialCoefficients();
        var dot = (phi.Map(x, c) * phi.Map(y, c)).sum(-1);
        var xy = (x * y).sum(-1);
        Close.Below(1e-6, Close.MaxAbs(dot, 1 + xy + xy.square() / 2), "phi(x).phi(y) vs the degree-2 Taylor series of exp(x.y)");   // Taylor series of exp(x.y) to degree 2
    }

    [TestMethod]
    public void OmegaWithWindowOneIsTitansOnTheFixture()
    {
        using var scope = NewDisposeScope();
        using var fx = MemoryChecks.Fixture("titans_l2");
        Tensor In(string n) => fx.Input(n).to(ScalarType.Float64);
        // Titans: S = eta S - theta grad; M = (1 - alpha) M + S.  OmegaNet: S = theta' S - eta' grad; M = alpha' M + S.
        var m = new OmegaMemory(new OmegaSpec { Window = 1, Optimizer = OmegaOptimizer.Omega });
        var gates = new OmegaGates(1 - In("alpha"), In("eta"), In("theta"), ones_like(In("alpha")));
        var (o, state) = m.Scan(m.InitialState([In("W0")], 8, 8), In("q"), In("k"), In("v"), gates);
        Close.Below(1e-4, Close.MaxAbs(o, fx.Outputs["o"]), "o vs fx.Outputs[\"o\"]");
        Close.Below(1e-4, Close.MaxAbs(state["w"], fx.Outputs["state"]), "state[\"w\"] vs fx.Outputs[\"state\"]");
        Close.Below(1e-4, Close.MaxAbs(state["s"], fx.Outputs["momentum"]), "state[\"s\"] vs fx.Outputs[\"momentum\"]");
        var c4 = new OmegaMemory(new OmegaSpec { Window = 1, Optimizer = OmegaOptimizer.Omega, ChunkSize = 4 });
        var (o4, _) = c4.Scan(c4.InitialState([In("W0")], 8, 8), In("q"), In("k"), In("v"), gates);
        Close.Below(1e-4, Close.MaxAbs(o4, fx.Outputs["chunk4_o"]), "o4 vs fx.Outputs[\"chunk4_o\"]");
    }

    [TestMethod]
    public void WindowGradientMatchesAutogradOfTheOmegaObjective()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        const int T = 6, D = 3, C = 3;
        var k = randn(1, 1, T, D, dtype: ScalarType.Float64);
        var v = randn(1, 1, T, D, dtype: ScalarType.Float64);
        var q = randn(1, 1, T, D, dtype: ScalarType.Float64);
        var gamma = rand(1, 1, T, dtype: ScalarType.Float64);
        var alpha = full(1, 1, T, 0.9, dtype: ScalarType.Float64);
        var eta = full(1, 1, T, 0.1, dtype: ScalarType.Float64);
        var w0 = randn(1, 1, D, D, dtype: ScalarType.Float64);
        var m = new OmegaMemory(new OmegaSpec { Window = C, Optimizer = OmegaOptimizer.Omega, Momentum = false });
        var (o, _) = m.Scan(m.InitialState([w0], D, D), q, k, v, new OmegaGates(alpha, zeros_like(alpha), eta, gamma));
        // reference: W_t = alpha W_{t-1} - eta * d/dW sum_{i=t-c+1..t} gamma_i ||W k_i - v_i||^2 at W_{t-1}
        var w = w0[0, 0].clone();
        for (int t = 0; t < T; t++)
        {
            var wg = w.detach().requires_grad_();
            var loss = zeros(1, dtype: ScalarType.Float64);
            for (int i = Math.Max(0, t - C + 1); i <= t; i++)
                loss = loss + gamma[0, 0, i] * (wg.matmul(k[0, 0, i]) - v[0, 0, i]).square().sum();
            loss.backward();
            w = 0.9 * w - 0.1 * wg.grad!;
            Close.Below(1e-10, Close.MaxAbs(o[0, 0, t], w.matmul(q[0, 0, t])), $"token {t}");
        }
    }

    [TestMethod]
    public void NewtonSchulzOrthogonalises()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var g = randn(2, 3, 6, 10);
        var x = OmegaMemory.NewtonSchulz(g, 5);
        var sv = linalg.svdvals(x);
        Close.Above(0.5f, sv.min().item<float>(), $"singular values {sv.min().item<float>()}..{sv.max().item<float>()}");
        Close.Below(1.3f, sv.max().item<float>(), $"singular values {sv.min().item<float>()}..{sv.max().item<float>()}");
        var tall = OmegaMemory.NewtonSchulz(g.transpose(-1, -2), 5);
        Close.Below(1e-5, Close.MaxAbs(tall, x.transpose(-1, -2)), "a tall matrix is orthogonalised through its transpose");
    }

    [TestMethod]
    [DataRow("atlas")]
    [DataRow("omeganet")]
    [DataRow("deep-transformer")]
    public void LayersAreCausalCarryStateAndTrain(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        IModelFactory factory = name switch { "atlas" => new AtlasFactory(), "omeganet" => new OmegaNetFactory(), _ => new DeepTransformerFactory() };
        var cfg = factory.ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"d_model": 16, "num_heads": 2, "head_dim": 4, "chunk_size": 4}"""));
        var layer = (AtlasLayer)factory.CreateModel(cfg);
        var x = randn(2, 12, 16);
        var all = MemoryChecks.CarriesState(layer, x, 8, 1e-5, name + " (window cache carried)");
        MemoryChecks.IsCausal(layer, x, all, 11, 1e-6, name);
        all.square().sum().backward();
        var coeffGrad = layer.named_parameters().First(p => p.name == "poly_coeffs").parameter.grad;
        Assert.IsNotNull(coeffGrad);
        Close.Above(0, coeffGrad.abs().sum().item<float>(), "gradient reaching the polynomial coefficients");
    }
}
