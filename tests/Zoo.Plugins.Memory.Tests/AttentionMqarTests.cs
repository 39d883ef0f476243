using System.Text.Json.Nodes;
using Zoo.Core;
using Zoo.Plugins.HybridLinearAttention;
using Zoo.Toolkit.Sequence;

namespace Zoo.Plugins.Memory.Tests;

/// <summary>
/// Causal softmax attention and the MQAR plateau. With token embeddings initialised at std 0.02 next to PyTorch-default
/// projections, 2-layer attention never left the "one of the in-context values" plateau (31.6 % recall); these tests pin
/// the attention maths (RoPE, 1/sqrt(d) scaling, causal mask) and the fix (embedding_init_std = 1).
/// </summary>
[TestClass]
public sealed class AttentionMqarTests
{
    private static void Set(nn.Module m, string name, Tensor value)
    {
        using var _ = no_grad();
        m.named_parameters().Single(p => p.name == name).parameter.copy_(value);
    }

    /// <summary>A 2-layer softmax-attention LM, seeded.</summary>
    private static HybridLM AttentionLm(int seed, int dModel, int heads)
    {
        manual_seed(seed);
        return new HybridLM(new HybridLmConfig { DModel = dModel, NumHeads = heads, NLayers = 2, Mixer = "attention" });
    }

    [TestMethod]
    public void AttentionMatchesHandComputedRopeSoftmax()
    {
        using var scope = NewDisposeScope();
        // one head of width 2 with identity projections: RoPE rotates (x1, x2) by the angle t (theta^0 = 1)
        var attn = new CausalSelfAttention(dModel: 2, numHeads: 1);
        foreach (var p in new[] { "q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight" }) Set(attn, p, eye(2));
        double[][] x = [[1, 0], [0, 1], [1, 1], [2, -1]];
        using var _ = no_grad();
        var y = attn.forward(tensor(x.SelectMany(r => r).Select(v => (float)v).ToArray()).view(1, 4, 2));
        // by hand: score(t, s) = x_t^T R(s - t) x_s / sqrt(2) for s <= t, softmax over s, output = sum_s a_ts x_s
        for (int t = 0; t < 4; t++)
        {
            var scores = new double[t + 1];
            for (int s = 0; s <= t; s++)
            {
                var th = s - t;
                var (rx, ry) = (Math.Cos(th) * x[s][0] - Math.Sin(th) * x[s][1], Math.Sin(th) * x[s][0] + Math.Cos(th) * x[s][1]);
                scores[s] = (x[t][0] * rx + x[t][1] * ry) / Math.Sqrt(2);
            }
            var w = scores.Select(Math.Exp).ToArray();
            var z = w.Sum();
            for (int d = 0; d < 2; d++)
            {
                var expected = Enumerable.Range(0, t + 1).Sum(s => w[s] / z * x[s][d]);
                Close.Within(expected, y[0, t, d].item<float>(), 1e-5, $"position {t}, dim {d}");
            }
        }
        Close.Within(1.0, y[0, 0, 0].item<float>(), 1e-6, "position 0 sees only itself");
    }

    [TestMethod]
    public void AttentionLmLogitsIgnoreLaterTokens()
    {
        using var scope = NewDisposeScope();
        var model = AttentionLm(seed: 4, dModel: 16, heads: 2);
        using var _ = no_grad();
        var tokens = randint(0, 256, [2, 12]);
        var changed = tokens.clone();
        changed[.., 7..] = randint(0, 256, [2, 5]);
        var (a, b) = (model.forward(tokens), model.forward(changed));
        Close.Below(1e-5, Close.MaxAbs(a[.., ..7], b[.., ..7]), "logits before position 7 depend on later tokens");
        Close.Above(1e-3, Close.MaxAbs(a[.., 7..], b[.., 7..]), "later logits must change with the changed tokens");
    }

    [TestMethod]
    public void TokenIdentitySurvivesTheFirstBlockAtInit()
    {
        // The cause of the plateau: at std 0.02 the embedding is ~10 % of the residual stream after block 0 (cosine ≈ 0.1).
        using var scope = NewDisposeScope();
        var model = AttentionLm(seed: 0, dModel: 64, heads: 4);
        using var _ = no_grad();
        var (x, _) = new Mqar(4, 4, 16, 16).Batch(16, new Random(0));
        var h0 = model.Embed(x);
        var block0 = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == "layers.0").module;
        var cos = nn.functional.cosine_similarity(block0.forward(h0), h0, -1).mean().item<float>();
        Close.Above(0.8, cos, $"cosine(residual after block 0, token embedding) = {cos}");
    }

    [TestMethod]
    public void EmbeddingInitStdIsConfigurableAndValidated()
    {
        using var scope = NewDisposeScope();
        var factory = new HybridLmFactory();
        manual_seed(0);
        var dflt = new HybridLM(new HybridLmConfig { DModel = 16, NumHeads = 2, NLayers = 1 });
        Close.Within(1.0, dflt.Embed(arange(256)).std().item<float>(), 0.05, "default embedding std");
        var cfg = (HybridLmConfig)factory.ParseConfig(new JsonObject { ["d_model"] = 16, ["num_heads"] = 2, ["n_layers"] = 1, ["embedding_init_std"] = 0.02 });
        Close.Within(0.02, cfg.EmbeddingInitStd, 0, "embedding_init_std");
        var small = (HybridLM)factory.CreateModel(cfg);
        Close.Within(0.02, small.Embed(arange(256)).std().item<float>(), 0.002, "embedding std at embedding_init_std 0.02");
        foreach (var bad in new[] { 0.0, -1.0, double.NaN })
            Assert.ThrowsExactly<ArgumentException>(() => new HybridLM(cfg with { EmbeddingInitStd = bad }));
    }

    [TestMethod]
    public void TwoLayerAttentionLearnsMqar()
    {
        // Zoology (Arora et al. 2023): two attention layers solve MQAR with an induction circuit. 300 steps reach ≈ 99 %
        // recall for seeds 0-3; with embeddings at std 0.02 the same run stays on the plateau at ≈ 52 % (1 of 2 values).
        using var scope = NewDisposeScope();
        var model = AttentionLm(seed: 0, dModel: 64, heads: 4);
        var task = new Mqar(Pairs: 2, Queries: 2, KeyVocab: 16, ValueVocab: 16);
        var rng = new Random(0);
        var curve = LmTrainer.Train(ZooContext.Default, model, _ => task.Batch(32, rng), 300, 3e-3);
        var recall = LmTrainer.Recall(model, task, batches: 4, batchSize: 64, seed: 1000);
        Close.Above(0.9, recall, $"MQAR recall {recall:P1} (final loss {curve[^1]:F3}); the plateau is 50 %");
    }

    [TestMethod]
    public void LossPlotWritesAPng()
    {
        CollectionAssert.AreEqual(new[] { 4.0, 3.0, 1.0, -1.0 }, LossCurves.Smooth([4, 2, 0, -2], window: 2));
        var path = Path.Combine(Path.GetTempPath(), "zoo-hybrid-loss-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            LossCurves.Write(path, "test", [("a", [3.0, 2.0, 1.0]), ("b", [2.0, 2.0, 2.0])]);
            var bytes = File.ReadAllBytes(path);
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.ThrowsExactly<ArgumentException>(() => LossCurves.Write(path, "empty", [("a", Array.Empty<double>())]));
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }
}
