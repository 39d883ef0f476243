using Zoo.Plugins.Vit;

namespace Zoo.Plugins.Continual.Tests;

/// <summary>Zoo.Core's IExtensibleEncoder as the ViT plugin implements it (prefix-tuning and parallel adapters).</summary>
[TestClass]
public sealed class ExtensibleEncoderTests
{
    private sealed class Nothing : IEncoderExtension
    {
        public (Tensor Keys, Tensor Values)? Prefix(int layer, Tensor tokens) => null;
        public Tensor? Adapter(int layer, Tensor hidden) => null;
    }

    private sealed class Fixed(int layer, Tensor? pk, Tensor? pv, Func<Tensor, Tensor>? adapter = null) : IEncoderExtension
    {
        public (Tensor Keys, Tensor Values)? Prefix(int l, Tensor tokens) => l == layer && pk is not null ? (pk, pv!) : null;
        public Tensor? Adapter(int l, Tensor hidden) => l == layer && adapter is not null ? adapter(hidden) : null;
    }

    private static Tensor Images(long n = 4, long seed = 3)
    {
        torch.manual_seed(seed);
        return torch.randn(n, 1, 8, 8);
    }

    [TestMethod]
    public void EmptyExtension_ReproducesThePlainEncoderExactly()
    {
        using var vit = (VisionTransformer)TestSupport.NewVit();
        vit.eval();
        using var _ = torch.no_grad();
        var x = Images();
        var plain = vit.Encode(x);
        Assert.IsTrue(Same(plain, vit.Encode(x, null)));
        Assert.IsTrue(Same(plain, vit.Encode(x, new Nothing())));
        Assert.AreEqual(2, ((IExtensibleEncoder)vit).Depth);
        Assert.AreEqual(32, ((IExtensibleEncoder)vit).Width);
    }

    [TestMethod]
    public void Prefix_IsAttentionOverPrependedKeysAndValues()
    {
        // softmax(q [Pk; K]^T / sqrt(dh)) [Pv; V] per head, then proj: computed by hand from the attention's own weights.
        torch.manual_seed(0);
        using var attn = new VitAttention(8, 2, true, 0, 0);
        attn.eval();
        using var _ = torch.no_grad();
        var p = attn.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        var x = torch.randn(2, 5, 8);
        var pk = torch.randn(2, 3, 8);
        var pv = torch.randn(2, 3, 8);
        var got = attn.Forward(x, (pk, pv));
        var qkv = nn.functional.linear(x, p["qkv.weight"], p["qkv.bias"]);
        var q = qkv.narrow(2, 0, 8);
        var k = torch.cat([pk, qkv.narrow(2, 8, 8)], 1);
        var v = torch.cat([pv, qkv.narrow(2, 16, 8)], 1);
        var heads = new List<Tensor>();
        for (int h = 0; h < 2; h++)
        {
            var qh = q.narrow(2, 4 * h, 4);
            var kh = k.narrow(2, 4 * h, 4);
            var vh = v.narrow(2, 4 * h, 4);
            heads.Add((qh.matmul(kh.transpose(1, 2)) / 2.0).softmax(-1).matmul(vh));
        }
        var expected = nn.functional.linear(torch.cat(heads, 2), p["proj.weight"], p["proj.bias"]);
        Close.Below(1e-5, (got - expected).abs().max().item<float>());
        Assert.IsTrue(Same(attn.forward(x), attn.Forward(x, null)));
        Assert.ThrowsExactly<ArgumentException>(() => attn.Forward(x, (torch.randn(2, 3, 6), torch.randn(2, 3, 6))));
    }

    [TestMethod]
    public void Prefix_ChangesTheOutputOnlyFromItsLayerOn_AndAdapterIsAddedBesideTheMlp()
    {
        using var vit = (VisionTransformer)TestSupport.NewVit();
        vit.eval();
        using var _ = torch.no_grad();
        var x = Images();
        var plain = vit.ForwardFeatures(x);
        torch.manual_seed(5);
        var pk = torch.randn(4, 2, 32);
        var pv = torch.randn(4, 2, 32);
        var prefixed = vit.ForwardFeatures(x, new Fixed(1, pk, pv));
        Close.Above(1e-3, (prefixed - plain).abs().max().item<float>(), "a prefix in block 1 changes the output");
        Assert.AreEqual(plain.shape[1], prefixed.shape[1], "prefix tokens are attended to, not added to the sequence");
        // A zero adapter is the plain encoder; a constant adapter c shifts the last block's output by exactly c before the final norm.
        var zero = vit.ForwardFeatures(x, new Fixed(1, null, null, h => torch.zeros_like(h)));
        Close.Below(1e-6, (zero - plain).abs().max().item<float>());
        Assert.ThrowsExactly<ArgumentException>(() => vit.Encode(x, new Fixed(0, null, null, h => torch.zeros(1, 1, 32))));
    }
}

internal static class TensorCheck
{
    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
