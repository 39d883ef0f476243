using System.Text.Json.Nodes;
using Zoo.Plugins.Tnt;
using Zoo.Plugins.Vit;

namespace Zoo.Plugins.ViViT.Tests;

/// <summary>The ViViT tests' paths, through the one repository locator (<see cref="Repo"/>).</summary>
internal static class RepoPaths
{
    public static string Digits => Repo.Path("data", "digits", "digits.csv.gz");

    public static string TempDir() => Directory.CreateTempSubdirectory("zoo-vivit-tests-").FullName;
}

/// <summary>
/// The catalog the tests build ViViT from: the ViT plugin's "vit" (ViViT's default spatial model is vit:tiny, a 32px,
/// 2-block ViT of width 64), the TNT plugin's "tnt" (tests may reference plugins), "vivit" itself and the tests' own "tiny-encoder".
/// </summary>
internal static class TestCatalog
{
    public static InMemoryCatalog Create() => new InMemoryCatalog()
        .Add<VitFactory>()
        .Add<TntFactory>()
        .Add<ViViTFactory>()
        .Add(typeof(IModelFactory), new ZooMetadata { Name = "tiny-encoder", Task = ZooTasks.ImageClassification }, () => new TinyEncoderFactory());

    /// <summary>A context over <see cref="Create"/> (CPU, silent progress).</summary>
    public static ZooContext Context() => ZooContext.For(Create()) with { Output = new TextOutput(TextWriter.Null) };

    /// <summary>Overrides of a tiny TNT (16px, width 32, 3 blocks) laid over tnt's default preset.</summary>
    public static JsonObject TinyTnt() => new()
    {
        ["img_size"] = 16, ["patch_size"] = 8, ["in_chans"] = 3, ["num_classes"] = 10, ["embed_dim"] = 32, ["inner_dim"] = 8, ["depth"] = 3,
        ["num_heads_outer"] = 4, ["num_heads_inner"] = 2, ["first_stride"] = 2,
    };
}

/// <summary>A tiny image encoder of the tests' own: mean-pool 4x4 patches, one Linear and a tanh ([B, 3, 16, 16] -> [B, 24]).</summary>
internal sealed class TinyEncoder : nn.Module<Tensor, Tensor>, IImageEncoder
{
#pragma warning disable IDE1006
    private readonly TorchSharp.Modules.Linear proj;
#pragma warning restore IDE1006

    public TinyEncoder() : base(nameof(TinyEncoder))
    {
        proj = nn.Linear(3 * 16, 24);
        RegisterComponents();
    }

    public ImageInputSpec InputSpec { get; } = new(16, 16, 3, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    public int EmbeddingDim => 24;

    public Tensor Encode(Tensor images) => forward(images);

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var pooled = nn.functional.avg_pool2d(x, 4).flatten(1);   // [B, 3*4*4]
        return proj.forward(pooled).tanh().MoveToOuterDisposeScope();
    }
}

internal sealed record TinyEncoderConfig
{
    public int Unused { get; init; }
}

internal sealed class TinyEncoderFactory : ModelFactory<TinyEncoderConfig>
{
    public override nn.Module Create(TinyEncoderConfig config) => new TinyEncoder();
}
