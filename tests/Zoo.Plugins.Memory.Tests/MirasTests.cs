using Zoo.Core;
using Zoo.Plugins.Miras;

namespace Zoo.Plugins.Memory.Tests;

[TestClass]
public sealed class MirasTests
{
    private static (Tensor Q, Tensor K, Tensor V) Qkv(int seed, int t = 8, int d = 4)
    {
        manual_seed(seed);
        var k = nn.functional.normalize(randn(2, 2, t, d, dtype: ScalarType.Float64), dim: -1);
        var q = nn.functional.normalize(randn(2, 2, t, d, dtype: ScalarType.Float64), dim: -1);
        return (q, k, randn(2, 2, t, d, dtype: ScalarType.Float64));
    }

    private static MirasGates Gates(int t, double retain, double eta, double theta, double? delta = null) => new(
        full(2, 2, t, retain, dtype: ScalarType.Float64), full(2, 2, t, eta, dtype: ScalarType.Float64),
        full(2, 2, t, theta, dtype: ScalarType.Float64), delta is null ? null : full(2, 2, t, delta.Value, dtype: ScalarType.Float64));

    private static Tensor[] Init(MirasMemory m, int d = 4, int hidden = 6)
    {
        manual_seed(99);
        return m.Spec.Architecture == MemoryArchitecture.Linear
            ? [randn(2, 2, d, d, dtype: ScalarType.Float64) * 0.3]
            : [randn(2, 2, hidden, d, dtype: ScalarType.Float64) * 0.3, randn(2, 2, d, hidden, dtype: ScalarType.Float64) * 0.3];
    }

    [TestMethod]
    [DataRow(RetentionKind.Decay)]
    [DataRow(RetentionKind.Lq)]
    public void RetentionOneWithoutUpdatesForgetsNothing(RetentionKind retention)
    {
        using var scope = NewDisposeScope();
        var m = new MirasMemory(new MirasSpec { Retention = retention, Q = 2, Architecture = MemoryArchitecture.Mlp });
        var (q, k, v) = Qkv(1);
        var w = Init(m);
        var scan = m.Scan(m.InitialState(w), q, k, v, Gates(8, 1.0, 0.9, 0.0));
        Close.Below(1e-12, Close.MaxAbs(scan.State["w1"], w[0]), "scan.State[\"w1\"] vs w[0]");
        Close.Below(1e-12, Close.MaxAbs(scan.State["w2"], w[1]), "scan.State[\"w2\"] vs w[1]");
        // retention 0.5 without updates halves the memory each token (weight decay)
        var decay = new MirasMemory(new MirasSpec { Architecture = MemoryArchitecture.Mlp });
        var d = decay.Scan(decay.InitialState(w), q, k, v, Gates(8, 0.5, 0.9, 0.0));
        Close.Below(1e-12, Close.MaxAbs(d.State["w1"], w[0] * Math.Pow(0.5, 8)), "decayed w1");
    }

    [TestMethod]
    public void KlRetentionOneWithoutUpdatesKeepsSimplexMemory()
    {
        using var scope = NewDisposeScope();
        var m = new MirasMemory(new MirasSpec { Retention = RetentionKind.Kl, SimplexScale = 2 });
        var (q, k, v) = Qkv(2);
        manual_seed(3);
        var w0 = 2 * softmax(randn(2, 2, 4, 4, dtype: ScalarType.Float64), -1);
        var still = m.Scan(m.InitialState([w0]), q, k, v, Gates(8, 1.0, 0.0, 0.0));
        Close.Below(1e-12, Close.MaxAbs(still.State["w"], w0), "still.State[\"w\"] vs w0");
        var moved = m.Scan(m.InitialState([w0]), q, k, v, Gates(8, 0.9, 0.5, 0.3));
        var w = moved.State["w"];
        Close.Above(0, w.min().item<double>(), "smallest memory weight");
        Close.Below(1e-12, Close.MaxAbs(w.sum(-1), full(2, 2, 4, 2.0)), "rows stay on the scaled simplex");
        Close.Above(1e-3, Close.MaxAbs(w, w0), "the memory learned");
    }

    [TestMethod]
    public void KlRetentionHandComputedStep()
    {
        using var scope = NewDisposeScope();
        // 1x2 memory W0 = [0.5, 0.5], k = [1, 0], v = [1]: e = 0.5 - 1 = -0.5, grad = 2 e k = [-1, 0];
        // W1 = softmax(1.0 * log W0 + 0.5 * [1, 0]) = softmax([log .5 + .5, log .5]) = [e^.5, 1] / (e^.5 + 1).
        var m = new MirasMemory(new MirasSpec { Retention = RetentionKind.Kl, Momentum = false });
        var k = tensor(new double[] { 1, 0 }).view(1, 1, 1, 2);
        var v = tensor(new double[] { 1 }).view(1, 1, 1, 1);
        var gates = new MirasGates(ones(1, 1, 1, dtype: ScalarType.Float64), zeros(1, 1, 1, dtype: ScalarType.Float64), full(1, 1, 1, 0.5, dtype: ScalarType.Float64));
        var scan = m.Scan(m.InitialState([full(1, 1, 1, 2, 0.5, dtype: ScalarType.Float64)]), k, k, v, gates);
        var e = Math.Exp(0.5);
        Close.Within(e / (e + 1), scan.State["w"][0, 0, 0, 0].item<double>(), 1e-12, "w[0]");
        Close.Within(1 / (e + 1), scan.State["w"][0, 0, 0, 1].item<double>(), 1e-12, "w[1]");
    }

    [TestMethod]
    public void LpWithPTwoAndLqWithQTwoReduceToTitans()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Qkv(4);
        var titans = new MirasMemory(new MirasSpec { Architecture = MemoryArchitecture.Mlp, ChunkSize = 3 });
        var w = Init(titans);
        var g = Gates(8, 0.95, 0.6, 0.2);
        var reference = titans.Scan(titans.InitialState(w), q, k, v, g);
        var lp = new MirasMemory(titans.Spec with { Bias = AttentionalBias.Lp, P = 2, Retention = RetentionKind.Lq, Q = 2 });
        var got = lp.Scan(lp.InitialState(w), q, k, v, g);
        Close.Below(1e-12, Close.MaxAbs(got.Output, reference.Output), "got.Output vs reference.Output");
        Close.Below(1e-12, Close.MaxAbs(got.Loss, reference.Loss), "got.Loss vs reference.Loss");
    }

    [TestMethod]
    public void HuberIsL2InsideDeltaAndScaledSignOutside()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Qkv(5);
        var l2 = new MirasMemory(new MirasSpec { Architecture = MemoryArchitecture.Mlp });
        var w = Init(l2);
        var reference = l2.Scan(l2.InitialState(w), q, k, v, Gates(8, 0.9, 0.5, 0.2));
        var huber = new MirasMemory(l2.Spec with { Bias = AttentionalBias.Huber });
        var inside = huber.Scan(huber.InitialState(w), q, k, v, Gates(8, 0.9, 0.5, 0.2, delta: 1e6));
        Close.Below(1e-12, Close.MaxAbs(inside.Output, reference.Output), "inside.Output vs reference.Output");
        // outside: dL/dy = delta * sign(e)
        var e = tensor(new double[] { 3, -4, 0.5 }).view(1, 1, 1, 3);
        var (grad, loss) = huber.BiasGradient(e, full(1, 1, 1, 0.1, dtype: ScalarType.Float64));
        Close.Below(1e-12, Close.MaxAbs(grad, tensor(new double[] { 0.1, -0.1, 0.1 }).view(1, 1, 1, 3)), "gradient of the loss");
        Close.Within(0.1 * 7.5, loss.item<double>(), 1e-12, "Huber loss");
    }

    [TestMethod]
    public void MonetaHandComputedStep()
    {
        using var scope = NewDisposeScope();
        // 1x1 memory w = 1, k = 1, v = 3, p = 3: e = -2, grad = 3 sign(e) e^2 k = -12; theta = 0.1 -> S = 1.2;
        // l_q (q = 4): A = 1 * 1 + 1.2 = 2.2, W = A / |A|^2 = 1 / 2.2.
        var m = new MirasMemory(new MirasSpec { Bias = AttentionalBias.Lp, P = 3, Retention = RetentionKind.Lq, Q = 4, Momentum = false });
        var one = ones(1, 1, 1, 1, dtype: ScalarType.Float64);
        var gates = new MirasGates(ones(1, 1, 1, dtype: ScalarType.Float64), zeros(1, 1, 1, dtype: ScalarType.Float64), full(1, 1, 1, 0.1, dtype: ScalarType.Float64));
        var scan = m.Scan(m.InitialState([one]), one.view(1, 1, 1, 1), one.view(1, 1, 1, 1), 3 * one.view(1, 1, 1, 1), gates);
        Close.Within(8.0, scan.Loss.item<double>(), 1e-12, "loss");
        Close.Within(2.2, scan.State["a"].item<double>(), 1e-12, "A");
        Close.Within(1 / 2.2, scan.State["w"].item<double>(), 1e-12, "W");
    }

    [TestMethod]
    [DataRow(AttentionalBias.L2, MemoryArchitecture.Mlp)]
    [DataRow(AttentionalBias.Lp, MemoryArchitecture.ResidualMlp)]
    [DataRow(AttentionalBias.Huber, MemoryArchitecture.Mlp)]
    [DataRow(AttentionalBias.Lp, MemoryArchitecture.Linear)]
    public void AnalyticGradientsMatchAutograd(AttentionalBias bias, MemoryArchitecture arch)
    {
        using var scope = NewDisposeScope();
        var m = new MirasMemory(new MirasSpec { Bias = bias, Architecture = arch });
        var (_, k, v) = Qkv(6, t: 1);
        var w = Init(m).Select(x => x.detach().requires_grad_()).ToArray();
        var delta = full(2, 2, 1, 0.8, dtype: ScalarType.Float64);
        var (grads, loss) = m.Gradients(w, k, v, delta);
        loss.sum().backward();
        for (int i = 0; i < w.Length; i++)
            Close.Below(1e-10, Close.MaxAbs(grads[i][.., .., 0], w[i].grad!), $"param {i}");
    }

    [TestMethod]
    [DataRow("titans")]
    [DataRow("moneta")]
    [DataRow("yaad")]
    [DataRow("memora")]
    public void LayersCarryStateAcrossCallsAndTrain(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        IModelFactory factory = name switch
        {
            "titans" => new TitansFactory(), "moneta" => new MonetaFactory(), "yaad" => new YaadFactory(), _ => new MemoraFactory(),
        };
        var cfg = factory.ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"d_model": 16, "num_heads": 2, "head_dim": 8, "chunk_size": 4}"""));
        var layer = (MirasLayer)factory.CreateModel(cfg);
        var x = randn(2, 12, 16);
        var full = MemoryChecks.CarriesState(layer, x, 8, 1e-5, name);
        Close.AllFinite(full, $"{name}: output");
        MemoryChecks.IsCausal(layer, x, full, 11, 1e-6, name);     // changing the last token leaves earlier outputs alone
        // the outer loop trains through the inner one (gradients reach the initial memory)
        full.square().sum().backward();
        var initGrad = layer.named_parameters().First(p => p.name.StartsWith("memory_w")).parameter.grad;
        Assert.IsNotNull(initGrad);
        Close.Above(0, initGrad.abs().sum().item<float>(), "gradient reaching the initial memory");
    }

    [TestMethod]
    public void BadConfigIsRejectedWithItsName()
    {
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new TitansFactory().ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"d_modle": 16}""")));
        StringAssert.Contains(ex.Message, "TitansConfig");
        Assert.ThrowsExactly<ArgumentException>(() => new YaadFactory().CreateModel(new YaadConfig { NumHeads = 0 }));
    }

    [TestMethod]
    public void RecurrenceRunnerReproducesEveryFixtureOutput()
    {
        using var scope = NewDisposeScope();
        using var fx = MemoryChecks.Fixture("titans_l2");
        var produced = TitansFixture.Run(fx);
        var errors = fx.Compare(produced);
        Assert.AreEqual(fx.Outputs.Count, errors.Count);
        foreach (var (name, err) in errors) Close.Below(1e-4, err, $"{name}: {err}");
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
        Close.Below(1e-6, Close.MaxAbs(scan.State["w"], expected), "scan.State[\"w\"] vs expected");
        Close.Below(1e-6, Close.MaxAbs(scan.Output[0, 0, 1], tensor(new float[] { 4, 5 })), "o_2 = W2 k2");   // o_2 = W2 k2
        Close.Within(13.0 + 41.0, scan.Loss.sum().item<float>(), 1e-4, "summed loss");                            // ||v1||^2 + ||v2||^2
    }
}
