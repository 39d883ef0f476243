using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Core.Fixtures;
using static TorchSharp.torch;

namespace Zoo.Plugins.Informer.Tests;

/// <summary>The official-code fixtures (shared/fixtures/informer) reproduced at 1e-4, the way <c>zoo verify</c> runs them.</summary>
[TestClass]
public sealed class ParityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("tiny_full")]
    [DataRow("tiny_prob")]
    [DataRow("tiny_fixed_embed")]
    public void FixtureMatchesReference(string name)
    {
        using var fixture = ParityFixture.Load(RepoPaths.Fixture(name));
        var factory = new InformerFactory();
        var config = factory.FixtureConfig(fixture);
        using var model = factory.CreateModel(config);
        // Strict: every official state_dict key present, no extras, same shapes.
        StateDict.Load(model, fixture.Weights, fixture.Path, strict: true);
        var outputs = factory.RunFixture(model, fixture);
        var errors = fixture.Compare(outputs);
        TestContext.WriteLine($"{name}: max |y - ref| = {errors["y"]:E3}");
        Close.Below(1e-4, errors["y"], $"{name}: max abs error {errors["y"]}");
    }

    [TestMethod]
    public void IntermediateActivationsMatch()
    {
        // Layer-by-layer check on the ProbSparse fixture: embedding and the whole encoder.
        using var fixture = ParityFixture.Load(RepoPaths.Fixture("tiny_prob"));
        var factory = new InformerFactory();
        using var model = (InformerModel)factory.CreateModel(factory.FixtureConfig(fixture));
        StateDict.Load(model, fixture.Weights, fixture.Path);
        model.eval();
        using var _ = no_grad();
        var emb = (DataEmbedding)model.named_children().First(c => c.name == "enc_embedding").module;
        using var e = emb.call(fixture.Input("x_enc"), fixture.Input("x_mark_enc"));
        Close.Below(1e-5, (e - fixture.Tensor("act.enc_embedding")).abs().max().item<float>(), "enc_embedding max abs error");
    }

    [TestMethod]
    public void ProbFixtureSelectsTheReferenceTopQueries()
    {
        using var fixture = ParityFixture.Load(RepoPaths.Fixture("tiny_prob"));
        var factory = new InformerFactory();
        using var model = (InformerModel)factory.CreateModel(factory.FixtureConfig(fixture));
        StateDict.Load(model, fixture.Weights, fixture.Path);
        factory.RunFixture(model, fixture);
        var paths = model.ProbAttentions.Select(p => p.Path).ToList();
        CollectionAssert.AreEqual(new[]
        {
            "encoder.attn_layers.0.attention.inner_attention",
            "encoder.attn_layers.1.attention.inner_attention",
            "decoder.layers.0.self_attention.inner_attention",
        }, paths);
        foreach (var (path, attention) in model.ProbAttentions)
        {
            using var ours = attention.Samples.LastTop!.sort(-1).Values;
            var reference = fixture.Tensor($"prob.{path}.m_top");
            Assert.IsTrue(ours.to(ScalarType.Int64).eq(reference).all().item<bool>(), $"{path}: top-u queries differ from the reference");
        }
    }
}
