using Zoo.Plugins.ContinualBaselines;
using Zoo.Plugins.Vit;
using Zoo.Toolkit.Data;

[assembly: DoNotParallelize]

namespace Zoo.Plugins.Continual.Tests;

/// <summary>Shared data, backbones and context: the shipped digits, a micro ViT on the native 8x8 grid, a catalog of the plugins.</summary>
internal static class TestSupport
{
    private static DigitsCsv? _digits;

    public static string DigitsPath => Repo.Path("data", "digits", "digits.csv.gz");

    public static DigitsCsv Digits => _digits ??= DigitsCsv.Load(DigitsPath);

    /// <summary>The plugins under test and the ViT, as the host's catalog would offer them.</summary>
    public static InMemoryCatalog Catalog => new InMemoryCatalog().Add<VitFactory>()
        .Add<FinetuneLearner>().Add<JointLearner>().Add<ReplayLearner>()
        .Add<Zoo.Plugins.KFpf.ForgettingPronePartsFineTuning>().Add<Zoo.Plugins.RegLora.RegularizedLora>()
        .Add<Zoo.Plugins.CodaPrompt.CodaPromptLearner>().Add<Zoo.Plugins.Mos.MosLearner>()
        .Add<Zoo.Plugins.Ssd.SelectiveSynapticDampening>().Add<Zoo.Plugins.GsLora.GroupSparseLora>()
        .Add<Zoo.Plugins.RandomLabel.RandomLabelForgetting>();

    /// <summary>CPU, the catalog above, output to the test log.</summary>
    public static ZooContext Context { get; } = ZooContext.For(Catalog);

    /// <summary>A 2-block ViT (d 32) on the 8x8 digits, 2x2 patches, grey: fast on CPU.</summary>
    public static VitConfig MicroVit => new() { ImgSize = 8, PatchSize = 2, InChans = 1, NumClasses = 10, EmbedDim = 32, Depth = 2, NumHeads = 2,
        MlpRatio = 2 };

    /// <summary>The test backbone: a residual MLP on the 8x8 digits with timm-style block names (fast and quick to learn).</summary>
    public static nn.Module NewBackbone(long seed = 0)
    {
        torch.manual_seed(seed);
        return new DigitsMlp();
    }

    /// <summary>The micro ViT of the ViT plugin (slower; used where a real transformer backbone matters).</summary>
    public static nn.Module NewVit(long seed = 0)
    {
        torch.manual_seed(seed);
        return new VitFactory().Create(MicroVit);
    }

    /// <summary>Run settings; <paramref name="options"/> is the learner's (or unlearner's) options record (null: its defaults).</summary>
    public static ContinualSettings Settings(int epochs = 3, bool taskIl = false, object? options = null) => new()
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 2e-3, TotalClasses = 10, TaskIncremental = taskIl, Seed = 0, Options = options,
    };

    public static IReadOnlyList<ContinualTask> Tasks(ImageInputSpec spec) => SplitDigits.Build(Digits, spec);

    /// <summary>A classifier trained on all ten digits (the model later asked to forget), with its train/test split.</summary>
    public static (nn.Module Model, LabeledData Train, LabeledData Test) TrainedClassifier(int epochs = 12, int width = 64)
    {
        torch.manual_seed(1);
        nn.Module model = new DigitsMlp(width);
        var spec = ((IImageClassifier)model).InputSpec;
        var (train, test) = SplitDigits.Full(Digits, spec);
        var clf = (IImageClassifier)model;
        model.train();
        Training.Fit(train, model.parameters().ToList(), (x, y) => nn.functional.cross_entropy(clf.Classify(x), y), epochs, 32, 3e-3, new Random(1), CPU);
        model.eval();
        return (model, train, test);
    }
}

/// <summary>
/// A small image classifier for tests: 8x8 grey digits -> Linear stem (64) -> two pre-norm residual MLP blocks with
/// timm-style names (blocks.i.norm2, blocks.i.mlp.fc1/fc2) -> LayerNorm -> head. Implements Zoo.Core's IImageClassifier.
/// </summary>
internal sealed class DigitsMlp : nn.Module<Tensor, Tensor>, IImageClassifier
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> stem;
    private readonly TorchSharp.Modules.ModuleList<MlpBlock> blocks;
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> head;
#pragma warning restore IDE1006

    public DigitsMlp(int width = 64, int depth = 2) : base(nameof(DigitsMlp))
    {
        stem = nn.Linear(64, width);
        blocks = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new MlpBlock(width)).ToArray());
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, 10);
        EmbeddingDim = width;
        RegisterComponents();
    }

    public ImageInputSpec InputSpec { get; } = new(8, 8, 1, [0.5f], [0.5f]);

    public int EmbeddingDim { get; }

    public int NumClasses => 10;

    public Tensor Encode(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var x = stem.forward(images.flatten(1));
        foreach (var b in blocks) x = b.forward(x);
        return norm.forward(x).MoveToOuterDisposeScope();
    }

    public Tensor Classify(Tensor images) => forward(images);

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return head.forward(Encode(x)).MoveToOuterDisposeScope();
    }
}

internal sealed class MlpBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly MlpPart mlp;
#pragma warning restore IDE1006

    public MlpBlock(int width) : base("Block")
    {
        norm2 = nn.LayerNorm(width);
        mlp = new MlpPart(width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return (x + mlp.forward(norm2.forward(x))).MoveToOuterDisposeScope();
    }
}

internal sealed class MlpPart : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly nn.Module<Tensor, Tensor> fc1;
    private readonly nn.Module<Tensor, Tensor> fc2;
#pragma warning restore IDE1006

    public MlpPart(int width) : base("Mlp")
    {
        fc1 = nn.Linear(width, 2 * width);
        fc2 = nn.Linear(2 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return fc2.forward(nn.functional.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static void Init(TestContext _) => torch.set_num_threads(1);   // the CI machine has 2 shared cores
}
