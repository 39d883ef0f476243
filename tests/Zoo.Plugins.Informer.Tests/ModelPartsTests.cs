using TorchSharp;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer.Tests;

/// <summary>Model parts checked against the paper's equations (no fixture needed): embeddings, masks, ProbSparse selection, distilling, stack, mix.</summary>
[TestClass]
public sealed class ModelPartsTests
{
    private static InformerConfig Tiny(string attn = "prob", string embed = "timeF", string model = "informer") => new()
    {
        Model = model, EncIn = 3, DecIn = 3, COut = 2, SeqLen = 32, LabelLen = 16, OutLen = 8, DModel = 16, NHeads = 2,
        ELayers = 2, DLayers = 1, SLayers = [2, 1], DFf = 32, Dropout = 0, Attn = attn, Embed = embed, Freq = "h",
    };

    [TestMethod]
    public void PositionalTableIsTheSinusoid()
    {
        using var table = PositionalEmbedding.SinusoidalTable(50, 8);
        for (int p = 0; p < 50; p += 7)
            for (int i = 0; i < 4; i++)
            {
                double angle = p / Math.Pow(10000, 2.0 * i / 8);
                Close.Within(Math.Sin(angle), table[p, 2 * i].item<float>(), 1e-5, $"sin at position {p}, dim {2 * i}");
                Close.Within(Math.Cos(angle), table[p, 2 * i + 1].item<float>(), 1e-5, $"cos at position {p}, dim {2 * i + 1}");
            }
    }

    [TestMethod]
    public void TemporalEmbeddingsHaveTheReferenceKeysAndFrozenFixedTables()
    {
        using var fixedModel = new InformerModel(Tiny(embed: "fixed"));
        var keys = fixedModel.state_dict().Keys.ToHashSet();
        Assert.Contains("enc_embedding.temporal_embedding.hour_embed.emb.weight", keys);
        Assert.DoesNotContain("enc_embedding.temporal_embedding.minute_embed.emb.weight", keys);
        var hour = fixedModel.named_parameters().First(p => p.name == "enc_embedding.temporal_embedding.hour_embed.emb.weight").parameter;
        Assert.IsFalse(hour.requires_grad, "fixed tables are frozen");
        using var expected = PositionalEmbedding.SinusoidalTable(24, 16);
        Assert.IsTrue(hour.allclose(expected));

        var minuteCfg = Tiny(embed: "learned");
        minuteCfg.Freq = "15min";
        using var learned = new InformerModel(minuteCfg);
        var lk = learned.state_dict().Keys.ToHashSet();
        Assert.Contains("enc_embedding.temporal_embedding.minute_embed.weight", lk);
        Assert.Contains("dec_embedding.temporal_embedding.month_embed.weight", lk);
        Assert.IsTrue(learned.named_parameters().First(p => p.name == "enc_embedding.temporal_embedding.hour_embed.weight").parameter.requires_grad);

        foreach (var f in new[] { "s", "t", "h", "d", "b", "w", "m" })
        {
            var c = Tiny();
            c.Freq = f;
            using var m = new InformerModel(c);
            var w = m.state_dict()["enc_embedding.temporal_embedding.embed.weight"];
            Assert.AreEqual(TimeFeatures.ContinuousCount(f[0]), (int)w.shape[1], $"freq {f}");
        }
    }

    [TestMethod]
    public void StackAndDistilKeysAndLengths()
    {
        Assert.AreEqual(48, ConvLayer.OutputLength(96));
        Assert.AreEqual(24, ConvLayer.OutputLength(48));
        Assert.AreEqual(13, ConvLayer.OutputLength(25));
        using var conv = new ConvLayer(8);
        conv.eval();
        using var y = conv.call(randn(2, 25, 8));
        CollectionAssert.AreEqual(new long[] { 2, 13, 8 }, y.shape);

        using var stack = new InformerModel(Tiny(model: "informerstack"));
        var keys = stack.state_dict().Keys.ToList();
        Assert.Contains("encoder.encoders.0.attn_layers.1.attention.query_projection.weight", keys);
        Assert.Contains("encoder.encoders.0.conv_layers.0.norm.running_mean", keys);
        Assert.Contains("encoder.encoders.1.attn_layers.0.conv1.weight", keys);
        Assert.IsFalse(keys.Any(k => k.StartsWith("encoder.encoders.1.conv_layers", StringComparison.Ordinal)), "a one-layer encoder has no distilling layer");

        var noDistil = Tiny();
        noDistil.Distil = false;
        using var plain = new InformerModel(noDistil);
        Assert.IsFalse(plain.state_dict().Keys.Any(k => k.Contains("conv_layers")));
    }

    [TestMethod]
    public void EncoderStackConcatenatesHalvedInputs()
    {
        var layers = new[] { 3, 2, 1 };
        using var stack = new EncoderStack(layers.Select(n => new Encoder(
            Enumerable.Range(0, n).Select(_ => new EncoderLayer(new AttentionLayer(new FullAttention(false, 0), 8, 2, false), 8, 16, 0, "gelu")),
            Enumerable.Range(0, n - 1).Select(_ => new ConvLayer(8)), 8)));
        stack.eval();
        using var y = stack.call(randn(1, 96, 8));
        // 96 -> 48 -> 24; 48 -> 24; 24.
        Assert.AreEqual(72, y.shape[1]);
    }

    [TestMethod]
    public void ModelOutputsTheHorizonInOnePassAndForecastMatchesForward()
    {
        manual_seed(3);
        using var model = new InformerModel(Tiny(attn: "full"));
        model.eval();
        using var _ = no_grad();
        var x = randn(2, 32, 3);
        var xm = rand(2, 32, 4) - 0.5;
        var fm = rand(2, 8, 4) - 0.5;
        var y = model.Forecast(x, xm, null, fm);
        CollectionAssert.AreEqual(new long[] { 2, 8, 2 }, y.shape);
        var xDec = cat([x[TensorIndex.Colon, TensorIndex.Slice(16, null)], zeros(2, 8, 3)], 1);
        var yRef = model.forward(x, xm, xDec, cat([xm[TensorIndex.Colon, TensorIndex.Slice(16, null)], fm], 1));
        Assert.IsTrue(y.allclose(yRef));
        Assert.ThrowsExactly<ArgumentException>(() => model.forward(randn(2, 32, 4), xm, xDec, xm));
        var wrongMarks = Assert.ThrowsExactly<ArgumentException>(() => model.forward(x, rand(2, 32, 5), xDec, rand(2, 24, 5)));
        StringAssert.Contains(wrongMarks.Message, "[batch, steps, 4]");
    }

    [TestMethod]
    public void FullAttentionCausalMaskHidesTheFuture()
    {
        manual_seed(5);
        using var attn = new FullAttention(maskFlag: true, 0);
        var q = randn(1, 10, 2, 4);
        var k = randn(1, 10, 2, 4);
        var v = randn(1, 10, 2, 4);
        var y1 = attn.Attend(q, k, v);
        var k2 = k.clone();
        var v2 = v.clone();
        k2[0, 6] = randn(2, 4);
        v2[0, 6] = randn(2, 4);
        var y2 = attn.Attend(q, k2, v2);
        Assert.IsTrue(y1[0, TensorIndex.Slice(0, 6)].allclose(y2[0, TensorIndex.Slice(0, 6)]), "positions before 6 must not see position 6");
        Assert.IsFalse(y1[0, 6].allclose(y2[0, 6]));
        // Row 0 attends only to key 0: its output is V[0].
        Assert.IsTrue(y1[0, 0].allclose(v[0, 0], 1e-5, 1e-6));
    }

    /// <summary>Reference ProbSparse in plain loops (Eq. 4 with the code's sum/L_K), for one batch element and head.</summary>
    private static (int[] Top, double[][] Out) LoopProb(float[,] q, float[,] k, float[,] v, long[,] idx, int u, bool mask)
    {
        int lq = q.GetLength(0), lk = k.GetLength(0), d = q.GetLength(1), up = idx.GetLength(1);
        double Dot(int i, int j) { double s = 0; for (int e = 0; e < d; e++) s += q[i, e] * k[j, e]; return s; }
        var m = new double[lq];
        for (int i = 0; i < lq; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < up; j++) { var s = Dot(i, (int)idx[i, j]); max = Math.Max(max, s); sum += s; }
            m[i] = max - sum / lk;
        }
        var top = Enumerable.Range(0, lq).OrderByDescending(i => m[i]).Take(u).OrderBy(i => i).ToArray();
        var outp = new double[lq][];
        for (int i = 0; i < lq; i++)
        {
            outp[i] = new double[d];
            for (int e = 0; e < d; e++)
            {
                if (mask) { for (int j = 0; j <= i; j++) outp[i][e] += v[j, e]; }
                else { for (int j = 0; j < lk; j++) outp[i][e] += v[j, e] / lk; }
            }
        }
        foreach (var i in top)
        {
            int last = mask ? i : lk - 1;
            var w = Enumerable.Range(0, last + 1).Select(j => Dot(i, j) / Math.Sqrt(d)).ToArray();
            var mx = w.Max();
            var ex = w.Select(x => Math.Exp(x - mx)).ToArray();
            var z = ex.Sum();
            for (int e = 0; e < d; e++) outp[i][e] = Enumerable.Range(0, last + 1).Sum(j => ex[j] / z * v[j, e]);
        }
        return (top, outp);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ProbSparseSelectsTopUQueriesAndFillsLazyOnes(bool mask)
    {
        manual_seed(11);
        const int L = 40, D = 4;
        using var attn = new ProbAttention(mask, factor: 1, attentionDropout: 0);
        int up = ProbAttention.Budget(1, L), u = ProbAttention.Budget(1, L);
        Assert.AreEqual(4, up);   // 1 * ceil(ln 40) = 4
        var q = randn(1, L, 1, D) * 2;
        var k = randn(1, L, 1, D);
        var v = randn(1, L, 1, D);
        var idx = randint(L, [L, up], dtype: ScalarType.Int64);
        attn.Samples.Injected = idx;
        var y = attn.Attend(q, k, v);
        float[,] To2(Tensor t) { var a = t[0, TensorIndex.Colon, 0].data<float>().ToArray(); var r = new float[L, D]; for (int i = 0; i < L; i++) for (int e = 0; e < D; e++) r[i, e] = a[i * D + e]; return r; }
        var ia = idx.data<long>().ToArray();
        var i2 = new long[L, up];
        for (int i = 0; i < L; i++) for (int j = 0; j < up; j++) i2[i, j] = ia[i * up + j];
        var (top, expected) = LoopProb(To2(q), To2(k), To2(v), i2, u, mask);
        var chosen = attn.Samples.LastTop![0, 0].sort().Values.data<long>().Select(x => (int)x).ToArray();
        CollectionAssert.AreEqual(top, chosen);
        for (int i = 0; i < L; i++)
            for (int e = 0; e < D; e++)
                Close.Within(expected[i][e], y[0, i, 0, e].item<float>(), 1e-4, $"row {i} (active: {top.Contains(i)})");
        // Wrong injected shape is refused.
        attn.Samples.Injected = randint(L, [L, up + 1], dtype: ScalarType.Int64);
        Assert.ThrowsExactly<ArgumentException>(() => attn.Attend(q, k, v));
    }

    [TestMethod]
    public void ProbSparseDrawsFreshKeySamplesWithoutInjection()
    {
        using var attn = new ProbAttention(false, 5, 0);
        var q = randn(1, 64, 1, 8);
        attn.Attend(q, q, q);
        var first = attn.Samples.Last!.clone();
        attn.Attend(q, q, q);
        CollectionAssert.AreEqual(new long[] { 64, ProbAttention.Budget(5, 64) }, first.shape);
        Assert.IsFalse(first.equal(attn.Samples.Last!).all().item<bool>(), "a new draw every call, as the reference");
    }

    [TestMethod]
    public void MixReinterpretsHeadsAndTime()
    {
        manual_seed(2);
        var x = randn(1, 6, 8);
        foreach (var heads in new[] { 1, 2 })
        {
            using var mixed = new AttentionLayer(new FullAttention(false, 0), 8, heads, mix: true);
            using var plain = new AttentionLayer(new FullAttention(false, 0), 8, heads, mix: false);
            plain.load_state_dict(mixed.state_dict());
            using var a = mixed.forward(x, x, x);
            using var b = plain.forward(x, x, x);
            // One head: [B, H, L, D] and [B, L, H, D] hold the same memory; more heads: time and heads are scrambled.
            Assert.AreEqual(heads == 1, a.allclose(b), $"heads {heads}");
        }
    }

    [TestMethod]
    public void ForwardLoopDoesNotLeakTensors()
    {
        using var model = new InformerModel(Tiny());
        model.eval();
        using var x = randn(2, 32, 3);
        using var xm = rand(2, 32, 4);
        using var xd = randn(2, 24, 3);
        using var xdm = rand(2, 24, 4);
        long Live() { GC.Collect(); GC.WaitForPendingFinalizers(); return DisposeScopeManager.Statistics.ThreadTotalLiveCount; }
        void Step() { using var scope = NewDisposeScope(); using var _ = no_grad(); model.forward(x, xm, xd, xdm); }
        Step();
        var before = Live();
        for (int i = 0; i < 5; i++) Step();
        Assert.AreEqual(before, Live(), "live tensors grew over forward passes");
    }
}
