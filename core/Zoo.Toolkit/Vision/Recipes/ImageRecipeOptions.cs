using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Toolkit.Vision.Recipes;

/// <summary>Options of <c>zoo train MODEL</c> for image classifiers (common options: --data, --out, --epochs, --batch-size, --lr, --seed).</summary>
public sealed class ImageTrainRecipeOptions
{
    [Description("Separate validation folder; default: a stratified held-out split of --data (see --val-fraction).")] public string? Val { get; set; }
    [Description("Share of every class held out for validation when --val is not given.")] public double ValFraction { get; set; } = 0.2;
    [Description("A JSON config file (the model's own field names) laid over the preset.")] public string? Config { get; set; }
    [Description("Input size override (must be a multiple of the patch size).")] public int? ImgSize { get; set; }
    [Description("AdamW weight decay (not applied to norms, biases, embeddings).")] public double WeightDecay { get; set; } = 0.05;
    [Description("Random horizontal flips (default on for image folders, off for digits).")] public bool? Flip { get; set; }

    [Description("Unreadable images: skip (report and leave out) or reject (stop naming the file)."), AllowedValues("skip", "reject")]
    public string BadImages { get; set; } = "skip";
}

/// <summary>Options of <c>zoo eval MODEL</c>.</summary>
public sealed class ImageEvalOptions
{
    [Description("With the training data: evaluate the held-out split (test) or everything (all)."), AllowedValues("test", "all")]
    public string Split { get; set; } = "test";

    [Description("Where to write the confusion-matrix PNG.")] public string Confusion { get; set; } = "confusion_matrix.png";
    [Description("Unreadable images: skip or reject."), AllowedValues("skip", "reject")] public string BadImages { get; set; } = "skip";
}

/// <summary>Options of <c>zoo predict MODEL</c> (the images come from --input or --data; --out writes a CSV).</summary>
public sealed class ImagePredictOptions
{
    [Positional, OptionName("--input", "--inputs")]
    [Description("Image file or folder to classify (a digits CSV is read row by row); positional, or --input, or --data.")]
    public string? Input { get; set; }

    [Description("How many classes to list per image.")] public int Top { get; set; } = 3;
    [Description("Unreadable images: skip or reject."), AllowedValues("skip", "reject")] public string BadImages { get; set; } = "skip";
}

/// <summary>Options of <c>zoo embed MODEL</c> (--data: images; --out: the CSV, default embeddings.csv).</summary>
public sealed class ImageEmbedOptions
{
    [Description("Unreadable images: skip or reject."), AllowedValues("skip", "reject")] public string BadImages { get; set; } = "skip";
}

/// <summary>Options of <c>zoo demo MODEL</c>.</summary>
public sealed class ImageDemoOptions
{
    [Description("Threads for the demo when --threads is not given (the model is tiny and shared machines are common).")]
    public int DemoThreads { get; set; } = 1;
}

/// <summary>Options of <c>zoo bench MODEL</c> (--steps: timed steps per measurement, --batch-size: images per step).</summary>
public sealed class ImageBenchOptions
{
    [Description("Classes of the classifier head.")] public int Classes { get; set; } = 10;
}
