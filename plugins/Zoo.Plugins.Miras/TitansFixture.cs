using TorchSharp;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.Miras;

/// <summary>
/// Runs the titans_l2 parity fixture (Titans eqs. 12-15 with per-token gates given as inputs) through <see cref="MirasMemory"/>:
/// the linear online memory, the chunk-4 mini-batch variant and the 2-layer GELU MLP memory. Fixture gates map to Miras
/// gates as retain = 1 - alpha (alpha is Titans' forget rate), eta = momentum decay, theta = step size.
/// </summary>
public static class TitansFixture
{
    public static Dictionary<string, Tensor> Run(ParityFixture fx)
    {
        var f64 = ScalarType.Float64;
        Tensor In(string n) => fx.Input(n).to(f64);
        var (q, k, v) = (In("q"), In("k"), In("v"));
        var gates = new MirasGates(1 - In("alpha"), In("eta"), In("theta"));
        var result = new Dictionary<string, Tensor>();

        var linear = new MirasMemory(new MirasSpec());
        var scan = linear.Scan(linear.InitialState([In("W0")]), q, k, v, gates, keepStates: true, readBeforeWrite: true);
        result["o"] = scan.Output;
        result["o_prev"] = scan.OutputBeforeWrite!;
        result["state"] = scan.State["w"];
        result["momentum"] = scan.State["s"];
        result["states"] = stack(scan.States!.Select(s => s["w"]), 2);
        result["loss"] = scan.Loss;

        var chunked = new MirasMemory(new MirasSpec { ChunkSize = 4 });
        var c4 = chunked.Scan(chunked.InitialState([In("W0")]), q, k, v, gates);
        result["chunk4_o"] = c4.Output;
        result["chunk4_state"] = c4.State["w"];
        result["chunk4_momentum"] = c4.State["s"];

        var mlp = new MirasMemory(new MirasSpec { Architecture = MemoryArchitecture.Mlp });
        var m = mlp.Scan(mlp.InitialState([In("W1_0"), In("W2_0")]), q, k, v, gates, readBeforeWrite: true);
        result["mlp_o"] = m.Output;
        result["mlp_o_prev"] = m.OutputBeforeWrite!;
        result["mlp_W1"] = m.State["w1"];
        result["mlp_W2"] = m.State["w2"];
        result["mlp_S1"] = m.State["s1"];
        result["mlp_S2"] = m.State["s2"];
        result["mlp_loss"] = m.Loss;
        return result.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32));
    }
}
