using System.Globalization;
using System.Text;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.Plots;

namespace Zoo.Toolkit.Vision.Recipes;

/// <summary><c>zoo eval MODEL -c CKPT</c>: top-1, per-class accuracy and a confusion-matrix PNG.</summary>
public sealed class ImageEvalRecipe(ImageRecipes model) : Recipe<ImageEvalOptions>(ZooVerbs.Eval, model.Model,
    $"Top-1, per-class accuracy and a confusion-matrix PNG for a {model.Title} checkpoint.")
{
    public override int Run(IZooContext context, CommonOptions common, ImageEvalOptions s)
    {
        var checkpoint = common.Checkpoint ?? throw new ArgumentException("--checkpoint (-c) is required.");
        using var loaded = model.Load(checkpoint, context);
        var split = loaded.Info.Side<ImageDataSplit>(ImageDataSplit.Key);
        var path = common.Data ?? split?.Path ?? throw new ArgumentException("--data is required (the checkpoint does not name its training data).");
        var source = ImageData.Open(path, ImageData.Policy(s.BadImages), context, loaded.ClassNames);
        string what = path;
        bool sameAsTraining = split != null && Path.GetFullPath(path) == split.Path && split.ValPath is null;
        if (sameAsTraining && s.Split == "test")
        {
            source = source.Split(split!.ValFraction, split.SplitSeed).Test;
            what += $" (held-out {split.ValFraction:P0} split, seed {split.SplitSeed})";
        }
        var result = ImageClassifierTraining.Evaluate(loaded.Module, source, common.BatchSize ?? 128, context.Device);
        var per = result.PerClassAccuracy;
        context.Output.Table($"{loaded.ModelName} per-class accuracy", ["class", "name", "images", "accuracy"],
            Enumerable.Range(0, per.Length).Select(i => (IReadOnlyList<string>)
            [
                i.ToString(CultureInfo.InvariantCulture), loaded.ClassNames[i],
                Enumerable.Range(0, per.Length).Sum(j => result.Confusion[i, j]).ToString(CultureInfo.InvariantCulture), ImageData.Pct(per[i]),
            ]));
        PlotWriter.ConfusionMatrix(s.Confusion, $"{loaded.ModelName} confusion matrix (top-1 {ImageData.Pct(result.Top1)})", result.Counts, loaded.ClassNames);
        context.Output.Line($"{loaded.ModelName} on {what}: top-1 {ImageData.Pct(result.Top1)} ({result.Total} images); confusion matrix: {Path.GetFullPath(s.Confusion)}");
        return 0;
    }
}

/// <summary><c>zoo predict MODEL -c CKPT --input PATH</c>: classify image files or folders.</summary>
public sealed class ImagePredictRecipe(ImageRecipes model) : Recipe<ImagePredictOptions>(ZooVerbs.Predict, model.Model,
    $"Classify image files or folders with a {model.Title} checkpoint.")
{
    public override int Run(IZooContext context, CommonOptions common, ImagePredictOptions s)
    {
        var checkpoint = common.Checkpoint ?? throw new ArgumentException("--checkpoint (-c) is required.");
        var input = s.Input ?? common.Data ?? throw new ArgumentException("--input (or --data) is required: an image file or folder.");
        using var loaded = model.Load(checkpoint, context);
        IImageSource source = DigitsCsv.LooksLikeDigits(input)
            ? DigitsDataset.Load(input)
            : ImageFolderDataset.FromFiles([input], loaded.ClassNames, ImageData.Policy(s.BadImages), ImageData.Reporter(context));
        var (probs, idx) = ImageClassifierTraining.Predict(loaded.Module, source, common.BatchSize ?? 128, context.Device);
        var rows = new List<IReadOnlyList<string>>();
        var csv = new StringBuilder("path,prediction,probability\n");
        for (int r = 0; r < idx.Length; r++)
        {
            var order = Enumerable.Range(0, probs[r].Length).OrderByDescending(j => probs[r][j]).Take(Math.Max(1, s.Top)).ToArray();
            string name = source.Name(idx[r]);
            if (r < 200)
                rows.Add([name, loaded.ClassNames[order[0]], probs[r][order[0]].ToString("F3", CultureInfo.InvariantCulture),
                    string.Join(" ", order.Select(j => $"{loaded.ClassNames[j]}:{probs[r][j].ToString("F2", CultureInfo.InvariantCulture)}"))]);
            csv.Append(ImageData.CsvField(name)).Append(',').Append(ImageData.CsvField(loaded.ClassNames[order[0]])).Append(',')
               .Append(probs[r][order[0]].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        context.Output.Table($"{loaded.ModelName} predictions", ["image", "prediction", "probability", $"top {s.Top}"], rows);
        if (idx.Length > 200) context.Output.Line($"... {idx.Length - 200} more rows (use --out to get them all)");
        if (common.Out != null)
        {
            AtomicFile.WriteAllText(common.Out, csv.ToString());
            context.Output.Line($"wrote {idx.Length} predictions to {Path.GetFullPath(common.Out)}");
        }
        return 0;
    }
}

/// <summary><c>zoo embed MODEL -c CKPT --data PATH</c>: one pre-head feature vector per image, as CSV (path,label,f0..f{D-1}).</summary>
public sealed class ImageEmbedRecipe(ImageRecipes model) : Recipe<ImageEmbedOptions>(ZooVerbs.Embed, model.Model,
    $"Write one {model.Title} feature vector (pre-head) per image to CSV.")
{
    public override int Run(IZooContext context, CommonOptions common, ImageEmbedOptions s)
    {
        var checkpoint = common.Checkpoint ?? throw new ArgumentException("--checkpoint (-c) is required.");
        var data = common.Data ?? throw new ArgumentException("--data is required: an image folder, image file or digits CSV.");
        var outPath = common.Out ?? "embeddings.csv";
        using var loaded = model.Load(checkpoint, context);
        var policy = ImageData.Policy(s.BadImages);
        IImageSource source;
        if (DigitsCsv.LooksLikeDigits(data)) source = DigitsDataset.Load(data);
        else
        {
            try { source = ImageFolderDataset.Open(data, policy, validate: true, classNames: loaded.ClassNames, onBadImage: ImageData.Reporter(context)); }
            catch (InvalidDataException) { source = ImageFolderDataset.FromFiles([data], loaded.ClassNames, policy, ImageData.Reporter(context)); }
        }
        var (feats, idx) = ImageClassifierTraining.Embed(loaded.Module, source, common.BatchSize ?? 128, context.Device);
        int d = loaded.Classifier.EmbeddingDim;
        var sb = new StringBuilder("path,label");
        for (int j = 0; j < d; j++) sb.Append(CultureInfo.InvariantCulture, $",f{j}");
        sb.Append('\n');
        for (int r = 0; r < idx.Length; r++)
        {
            int label = source.Label(idx[r]);
            sb.Append(ImageData.CsvField(source.Name(idx[r]))).Append(',').Append(label >= 0 ? ImageData.CsvField(source.ClassNames[label]) : "");
            foreach (var v in feats[r]) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(outPath, sb.ToString());
        context.Output.Line($"wrote {idx.Length} x {d} {loaded.ModelName} features to {Path.GetFullPath(outPath)}");
        return 0;
    }
}
