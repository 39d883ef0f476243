namespace Zoo.Plugins.ViViT.Tests;

[TestClass]
public sealed class ModelTests
{
    private static readonly ZooContext Ctx = TestCatalog.Context();

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Clips(FactorisedEncoderViViT m, int b) =>
        torch.randn([b, m.NumFrames, m.InputSpec.Channels, m.InputSpec.Height, m.InputSpec.Width]);

    [TestMethod]
    public void FrozenSpatialEncoderGetsNoGradient()
    {
        torch.manual_seed(0);
        using var model = FactorisedEncoderViViT.Create(new ViViTConfig { NumFrames = 4, NumClasses = 3, TemporalDepth = 1 }, Ctx);
        model.train();
        Assert.IsFalse(model.Spatial.training, "a frozen spatial encoder must stay in eval mode when the model trains");
        using var x = Clips(model, 2);
        // The head starts at zero (as scenic's output projection), so the loss is taken on the clip embedding to reach every layer at step 1.
        using (var loss = model.ClipEmbedding(x).pow(2).sum()) loss.backward();
        foreach (var (name, p) in model.Spatial.named_parameters())
        {
            Assert.IsFalse(p.requires_grad, $"spatial.{name} requires grad");
            Assert.IsTrue(p.grad is null || p.grad.abs().max().item<float>() == 0, $"spatial.{name} received a gradient");
        }
        Assert.IsTrue(model.Adapter.parameters().All(p => p.grad is not null), "the adapter must receive gradients");
        Assert.IsTrue(model.Temporal.parameters().Any(p => p.grad is not null && p.grad.abs().max().item<float>() > 0), "the temporal transformer must receive gradients");
        Assert.IsFalse(model.TrainableParameters().Any(p => model.Spatial.parameters().Any(s => ReferenceEquals(s, p))));
    }

    [TestMethod]
    public void FullFineTuningTrainsTheSpatialEncoder()
    {
        torch.manual_seed(0);
        using var model = FactorisedEncoderViViT.Create(new ViViTConfig { NumFrames = 4, NumClasses = 3, TemporalDepth = 1, FreezeSpatial = false }, Ctx);
        model.train();
        Assert.IsTrue(model.Spatial.training);
        using var x = Clips(model, 2);
        using (var loss = model.ClipEmbedding(x).pow(2).sum()) loss.backward();
        var blockGrads = model.Spatial.named_parameters().Where(p => p.name.StartsWith("blocks.", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(blockGrads);
        foreach (var (name, p) in blockGrads)
            Assert.IsTrue(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"spatial.{name} got no gradient under full fine-tuning");
        Assert.AreEqual(model.parameters().Count(), model.TrainableParameters().Count());
    }

    [TestMethod]
    public void AdapterShapes()
    {
        torch.manual_seed(0);
        using var x = torch.randn(2, 5, 64);
        using (var a = new CompactAdapter(AdapterKind.Bottleneck, 64, 64, 8))
        {
            using var y = a.forward(x);
            CollectionAssert.AreEqual(new long[] { 2, 5, 64 }, y.shape);
            Assert.IsTrue(y.allclose(x), "the bottleneck adapter starts as the identity (zero up-projection)");
            Assert.AreEqual(64 * 2 + 64 * 8 + 8 + 8 * 64 + 64, a.parameters().Sum(p => p.numel()), "LN(64) + down 64->8 + up 8->64");
        }
        using (var a = new CompactAdapter(AdapterKind.Bottleneck, 64, 48, 8))
        {
            using var y = a.forward(x);
            CollectionAssert.AreEqual(new long[] { 2, 5, 48 }, y.shape);
        }
        using (var a = new CompactAdapter(AdapterKind.Linear, 64, 32, 8))
        {
            using var y = a.forward(x);
            CollectionAssert.AreEqual(new long[] { 2, 5, 32 }, y.shape);
        }
        using (var a = new CompactAdapter(AdapterKind.None, 64, 64, 8))
        {
            using var y = a.forward(x);
            Assert.IsTrue(Same(y, x));
            Assert.AreEqual(0, a.parameters().Count());
        }
        Assert.ThrowsExactly<InvalidDataException>(() => new CompactAdapter(AdapterKind.None, 64, 32, 8));
        using var bad = torch.randn(2, 5, 10);
        using var a2 = new CompactAdapter(AdapterKind.Linear, 64, 32, 8);
        Assert.ThrowsExactly<ArgumentException>(() => a2.forward(bad));
    }

    [TestMethod]
    public void ModelShapesAndWrongInput()
    {
        torch.manual_seed(0);
        using var model = FactorisedEncoderViViT.Create(
            new ViViTConfig { NumFrames = 3, NumClasses = 5, TemporalDepth = 1, TemporalDim = 32, TemporalInit = TemporalInit.Random }, Ctx);
        model.eval();
        using var x = Clips(model, 2);
        using (var h = model.FrameEmbeddings(x)) CollectionAssert.AreEqual(new long[] { 2, 3, 64 }, h.shape);
        using (var z = model.ClipEmbedding(x)) CollectionAssert.AreEqual(new long[] { 2, 32 }, z.shape);
        using (var logits = model.Classify(x)) CollectionAssert.AreEqual(new long[] { 2, 5 }, logits.shape);
        using var wrongT = torch.randn([2, 4, 3, 32, 32]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.Classify(wrongT));
        StringAssert.Contains(e.Message, "[B, 3, 3, 32, 32]");
        // Initialising from the spatial layers needs equal widths.
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => FactorisedEncoderViViT.Create(
            new ViViTConfig { TemporalDim = 32, TemporalInit = TemporalInit.SpatialLast, Adapter = AdapterKind.None }, Ctx));
        StringAssert.Contains(e2.Message, "adapter none");
    }

    [TestMethod]
    public void TemporalInitCopiesTheLastViTBlocks()
    {
        torch.manual_seed(0);
        // vit:tiny with a third block (an override of the ViT plugin's field, written only here, in a test).
        var spatialCfg = new System.Text.Json.Nodes.JsonObject { ["depth"] = 3 };
        using var model = FactorisedEncoderViViT.Create(new ViViTConfig { SpatialConfig = spatialCfg, TemporalDepth = 2, TemporalInit = TemporalInit.SpatialLast }, Ctx);
        var s = model.Spatial.state_dict();
        var t = model.Temporal.state_dict();
        Assert.IsTrue(Same(t["blocks.0.attn.qkv.weight"], s["blocks.1.attn.qkv.weight"]));
        Assert.IsTrue(Same(t["blocks.1.mlp.fc2.weight"], s["blocks.2.mlp.fc2.weight"]));
        Assert.IsTrue(Same(t["norm.weight"], s["norm.weight"]));
        Assert.IsEmpty(model.InitReport!.Skipped, model.InitReport.ToString());

        torch.manual_seed(0);
        using var first = FactorisedEncoderViViT.Create(new ViViTConfig { SpatialConfig = spatialCfg, TemporalDepth = 2, TemporalInit = TemporalInit.SpatialFirst }, Ctx);
        Assert.IsTrue(Same(first.Temporal.state_dict()["blocks.0.norm1.weight"], first.Spatial.state_dict()["blocks.0.norm1.weight"]));
        Assert.IsTrue(Same(first.Temporal.state_dict()["blocks.1.attn.proj.weight"], first.Spatial.state_dict()["blocks.1.attn.proj.weight"]));

        torch.manual_seed(0);
        using var random = FactorisedEncoderViViT.Create(new ViViTConfig { SpatialConfig = spatialCfg, TemporalDepth = 2, TemporalInit = TemporalInit.Random }, Ctx);
        Assert.IsFalse(Same(random.Temporal.state_dict()["blocks.0.attn.qkv.weight"], random.Spatial.state_dict()["blocks.1.attn.qkv.weight"]));
        Assert.IsNull(random.InitReport);
    }

    [TestMethod]
    public void TemporalInitFromTntStacksQkAndV()
    {
        torch.manual_seed(0);
        using var model = FactorisedEncoderViViT.Create(new ViViTConfig { SpatialModel = "tnt", SpatialConfig = TestCatalog.TinyTnt(), NumFrames = 2, TemporalDepth = 1, TemporalInit = TemporalInit.SpatialLast }, Ctx);
        var s = model.Spatial.state_dict();
        var qkv = model.Temporal.state_dict()["blocks.0.attn.qkv.weight"];
        Assert.IsTrue(Same(qkv.narrow(0, 0, 64), s["blocks.2.attn_out.qk.weight"]));
        Assert.IsTrue(Same(qkv.narrow(0, 64, 32), s["blocks.2.attn_out.v.weight"]));
        Assert.IsTrue(model.Temporal.state_dict()["blocks.0.attn.qkv.bias"].abs().max().item<float>() == 0, "TNT has no qkv bias: zeros");
        Assert.IsTrue(Same(model.Temporal.state_dict()["blocks.0.norm2.weight"], s["blocks.2.norm_mlp.weight"]));
        using var x = torch.randn([1, 2, 3, 16, 16]);
        using var y = model.forward(x);
        CollectionAssert.AreEqual(new long[] { 1, 6 }, y.shape);
    }

    [TestMethod]
    public void UnknownEncoderAndMissingCatalogAreClearErrors()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => FactorisedEncoderViViT.Create(new ViViTConfig { SpatialModel = "resnet" }, Ctx));
        StringAssert.Contains(e.Message, "resnet");
        StringAssert.Contains(e.Message, "vit");
        // Without a catalog that holds an image plugin (ZooContext.Default: an empty catalog), the error says what to install.
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => new ViViTFactory().CreateModel(new ViViTConfig()));
        StringAssert.Contains(e2.Message, "vit:tiny");
        StringAssert.Contains(e2.Message, "install an image plugin");
        var e3 = Assert.ThrowsExactly<InvalidDataException>(() => FactorisedEncoderViViT.Create(new ViViTConfig { SpatialModel = "vit:nosuchpreset" }, Ctx));
        StringAssert.Contains(e3.Message, "nosuchpreset");
    }

    [TestMethod]
    public void CheckpointRoundTripAndSpatialCheckpoint()
    {
        var dir = RepoPaths.TempDir();
        try
        {
            // A spatial checkpoint of the ViT plugin, loaded through the catalog's factory.
            torch.manual_seed(1);
            var vitFactory = Ctx.Catalog.Get<IModelFactory>("vit");
            var vitCfg = vitFactory.Configure("tiny");
            using (var vit = vitFactory.CreateModel(vitCfg))
                Checkpoint.Save(Path.Combine(dir, "spatial"), "vit", "1.0.0", vitFactory, vitCfg, vit);
            var vitWeights = SafeTensors.Read(Path.Combine(dir, "spatial", Checkpoint.WeightsFile));
            torch.manual_seed(2);
            var factory = new ViViTFactory();
            var cfg = new ViViTConfig { SpatialCheckpoint = Path.Combine(dir, "spatial"), NumFrames = 3, NumClasses = 4, TemporalDepth = 1 };
            using var model = (FactorisedEncoderViViT)factory.CreateModel(cfg, Ctx);
            Assert.IsTrue(Same(model.Spatial.state_dict()["blocks.1.attn.qkv.weight"], vitWeights["blocks.1.attn.qkv.weight"]), "spatial weights come from the checkpoint");
            Assert.IsNull(model.Config.SpatialCheckpoint, "the saved config carries the spatial config, not the path");
            Assert.IsNotNull(model.Config.SpatialConfig);
            Checkpoint.Save(Path.Combine(dir, "vivit"), "vivit", "1.0.0", factory, model.Config, model);
            var (loaded, _, info) = Checkpoint.Load(Path.Combine(dir, "vivit"), factory, Ctx);
            using var m2 = (FactorisedEncoderViViT)loaded;
            Assert.AreEqual("vivit", info.Model);
            model.eval();
            m2.eval();
            using var x = Clips(model, 2);
            using var a = model.forward(x);
            using var b = m2.forward(x);
            Assert.IsTrue(a.allclose(b, rtol: 0, atol: 1e-6));
            // Temporal initialisation from a video checkpoint (4 frames from 3: the position embedding is interpolated).
            using var m3 = FactorisedEncoderViViT.Create(cfg with { NumFrames = 4, TemporalInit = TemporalInit.Checkpoint, TemporalInitCheckpoint = Path.Combine(dir, "vivit") }, Ctx);
            Assert.IsTrue(Same(m3.Temporal.state_dict()["blocks.0.mlp.fc1.weight"], model.Temporal.state_dict()["blocks.0.mlp.fc1.weight"]));
            Assert.Contains(c => c.Contains("interpolated 3 -> 4"), m3.InitReport!.Copied);
            foreach (var t in vitWeights.Values) t.Dispose();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ConfigJsonIsSnakeCaseAndStrict()
    {
        var f = new ViViTFactory();
        var cfg = (ViViTConfig)f.ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"temporal_init":"spatial_first","adapter":"linear","freeze_spatial":false,"num_frames":4}"""));
        Assert.AreEqual(TemporalInit.SpatialFirst, cfg.TemporalInit);
        Assert.AreEqual(AdapterKind.Linear, cfg.Adapter);
        Assert.IsFalse(cfg.FreezeSpatial);
        Assert.ThrowsExactly<InvalidDataException>(() => f.ParseConfig(System.Text.Json.Nodes.JsonNode.Parse("""{"frames":4}""")));
        StringAssert.Contains(f.ConfigToJson(cfg).ToJsonString(), "\"temporal_init\": \"spatial_first\"".Replace(": ", ":"));
    }
}
