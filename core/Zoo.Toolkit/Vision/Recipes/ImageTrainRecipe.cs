using System.Text.Json.Nodes;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.Plots;
using static TorchSharp.torch;

namespace Zoo.Toolkit.Vision.Recipes;

/// <summary><c>zoo train MODEL</c>: an image folder (folder per class) or the digits CSV; writes a checkpoint folder.</summary>
public sealed class ImageTrainRecipe(ImageRecipes model) : Recipe<ImageTrainRecipeOptions>(ZooVerbs.Train, model.Model,
    $"Train {model.Title} on an image folder (folder per class) or the digits CSV; writes a checkpoint folder.")
{
    public override int Run(IZooContext context, CommonOptions common, ImageTrainRecipeOptions options)
    {
        Train(model, context, common, options);
        return 0;
    }

    /// <summary>Trains, saves the checkpoint and its curves, and returns the held-out evaluation.</summary>
    public static EvalResult Train(ImageRecipes model, IZooContext context, CommonOptions common, ImageTrainRecipeOptions s)
    {
        var dataPath = ImageData.DataOrDigits(common.Data);
        var policy = ImageData.Policy(s.BadImages);
        var source = ImageData.Open(dataPath, policy, context);
        bool isDigits = source is DigitsDataset;
        int seed = (int)(common.Seed ?? 0);
        IImageSource train, val;
        if (s.Val != null)
        {
            train = source;
            val = ImageData.Open(s.Val, policy, context, source.ClassNames);
        }
        else
        {
            (train, val) = source.Split(s.ValFraction, seed);
        }
        int k = source.ClassNames.Count;
        var overrides = common.Overrides?.DeepClone().AsObject();
        if (s.Config != null)
        {
            var file = JsonNode.Parse(File.ReadAllText(s.Config)) as JsonObject ?? throw new InvalidDataException($"{s.Config}: not a JSON object.");
            overrides ??= new JsonObject();
            foreach (var (key, v) in file) if (!overrides.ContainsKey(key)) overrides[key] = v?.DeepClone();
        }
        var (factory, config) = ImageModels.Resolve(model.Factory(), common.Preset ?? model.DefaultPreset, overrides, k, s.ImgSize);
        var device = context.Device;
        torch.manual_seed(seed);
        using var net = (nn.Module<Tensor, Tensor>)factory.CreateModel(config, context);
        net.to(device);
        long nParams = net.parameters().Sum(p => p.numel());
        var outDir = common.Out ?? Path.Combine("runs", model.Model);
        int epochs = common.Epochs ?? 10, batch = common.BatchSize ?? 64;
        double lr = common.Lr ?? 1e-3;
        context.Output.Line($"{model.Model} {nParams:N0} parameters, {k} classes, input {((IImageClassifier)net).InputSpec.Height}px; " +
            $"train {train.Count} / val {val.Count} images from {dataPath}; device {device.type}");
        var trainOptions = new ImageTrainOptions
        {
            Epochs = epochs, BatchSize = batch, LearningRate = lr, WeightDecay = s.WeightDecay, Seed = seed,
            HorizontalFlip = s.Flip ?? !isDigits, MaxSteps = common.Steps, Name = $"train {model.Model}",
        };
        var history = ImageClassifierTraining.Train(net, train, val, trainOptions, context, e => context.Output.Line(
            $"epoch {e.Epoch,3}/{epochs}  loss {e.TrainLoss:F4}  train {ImageData.Pct(e.TrainAccuracy)}  val {ImageData.Pct(e.ValAccuracy ?? double.NaN)}  " +
            $"{e.Seconds:F1}s  {e.Images / Math.Max(1e-9, e.Seconds):F0} img/s"));
        var eval = ImageClassifierTraining.Evaluate(net, val, batch * 2, device);
        net.cpu();
        var side = new CheckpointSideData()
            .With(ImageDataSplit.Key, new ImageDataSplit
            {
                Path = Path.GetFullPath(dataPath), Kind = isDigits ? "digits" : "folder",
                ValPath = s.Val is null ? null : Path.GetFullPath(s.Val), ValFraction = s.ValFraction, SplitSeed = seed,
            })
            .With(DataProvenance.Key, new DataProvenance { Source = dataPath, Name = isDigits ? "digits" : Path.GetFileName(Path.GetFullPath(dataPath)) })
            .With(ImageTrainingSummary.Key, new ImageTrainingSummary
            {
                Epochs = epochs, BatchSize = batch, Lr = lr, WeightDecay = s.WeightDecay, ValTop1 = eval.Top1,
                FinalTrainLoss = history.Count > 0 ? history[^1].TrainLoss : null,
            });
        ImageClassifierCheckpoint.Save(outDir, model.Model, factory, config, net, source.ClassNames, side);
        PlotCurves(history, Path.Combine(outDir, "training_curves.png"), $"{model.Title} training on {Path.GetFileName(dataPath)}");
        context.Output.Line($"held-out top-1 {ImageData.Pct(eval.Top1)} on {eval.Total} images; checkpoint {Path.GetFullPath(outDir)} (training_curves.png inside)");
        return eval;
    }

    /// <summary>Per-epoch training loss, training accuracy and validation accuracy.</summary>
    public static void PlotCurves(IReadOnlyList<EpochResult> history, string path, string title)
    {
        var x = history.Select(e => (double)e.Epoch).ToArray();
        PlotWriter.Lines(path, title, "epoch", "loss / accuracy",
        [
            new Series("train loss", x, history.Select(e => e.TrainLoss).ToArray()),
            new Series("train accuracy", x, history.Select(e => e.TrainAccuracy).ToArray()),
            new Series("validation accuracy", x, history.Select(e => e.ValAccuracy ?? double.NaN).ToArray()),
        ]);
    }
}

/// <summary><c>zoo demo MODEL</c>: a short real run on the shipped digits, then per-class accuracy and a confusion matrix.</summary>
public sealed class ImageDemoRecipe(ImageRecipes model) : Recipe<ImageDemoOptions>(ZooVerbs.Demo, model.Model,
    $"Train {model.Title} on the shipped digits for a few epochs and evaluate it on a held-out split.")
{
    public override int Run(IZooContext context, CommonOptions common, ImageDemoOptions options)
    {
        if (context.Threads is null && common.Threads is null) torch.set_num_threads(Math.Max(1, options.DemoThreads));
        var digits = DigitsCsv.FindShipped() ?? throw new FileNotFoundException("data/digits/digits.csv.gz not found: run the demo from the Zoo repository.");
        context.Output.Line($"{model.Title} demo: {model.DemoDescription}");
        var outDir = common.Out ?? $"runs/demo-{model.Model}";
        var ckpt = Path.Combine(outDir, "checkpoint");
        var train = common with
        {
            Data = digits, Out = ckpt, Epochs = common.Epochs ?? 20, BatchSize = common.BatchSize ?? 32, Lr = common.Lr ?? 2e-3,
        };
        var eval = ImageTrainRecipe.Train(model, context, train, new ImageTrainRecipeOptions());
        var png = Path.Combine(outDir, "confusion_matrix.png");
        PlotWriter.ConfusionMatrix(png, $"{model.Title} on held-out digits (top-1 {ImageData.Pct(eval.Top1)})", eval.Counts, eval.ClassNames);
        context.Output.Line("per-class accuracy: " + string.Join("  ", eval.PerClassAccuracy.Select((a, i) => $"{i}:{ImageData.Pct(a)}")));
        context.Output.Line($"confusion matrix: {Path.GetFullPath(png)}");
        var m = model.Model;
        context.Output.Line($"next: zoo eval {m} -c {ckpt}   zoo predict {m} -c {ckpt} --input IMAGE.png   zoo embed {m} -c {ckpt} --data {digits}");
        return 0;
    }
}
