using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Plugins.ViViT.Data;
using Zoo.Toolkit.Data;
using Zoo.Toolkit.Vision;

namespace Zoo.Plugins.ViViT;

/// <summary>What the recipes share: where clips come from, loading a ViViT checkpoint with its labels, printing accuracy.</summary>
internal static class ClipSources
{
    public const string Generated = "generated";

    public static bool IsGenerated(string? data) => data is null || data.Equals(Generated, StringComparison.OrdinalIgnoreCase);

    public static DigitsCsv Digits(string? path) => DigitsCsv.LoadOrShipped(path);

    public static bool SkipBad(string s) => s.Trim().ToLowerInvariant() switch
    {
        "skip" => true,
        "reject" => false,
        _ => throw new ArgumentException($"--bad-clips must be skip or reject, got '{s}'."),
    };

    /// <summary>Generated moving digits or a clip folder (class order from <paramref name="classNames"/> if given).</summary>
    public static VideoDataset Load(string? data, ClipDataOptions s, ImageInputSpec spec, int frames, int classes, int seed, IZooContext context,
        IReadOnlyList<string>? classNames = null)
    {
        if (IsGenerated(data)) return MovingDigits.Generate(Digits(s.Digits), s.Clips, frames, spec, seed, classes);
        return VideoFolderDataset.Load(data!, spec, FrameSampling.Parse(s.Sampling), frames, s.Stride, SkipBad(s.BadClips),
            b => context.Output.Warn($"skipped clip {b.Path}: {b.Reason}"), classNames);
    }

    /// <summary>Class names of a clip folder (sorted sub-folders) or of the generated actions.</summary>
    public static IReadOnlyList<string> ClassNames(string? data) =>
        IsGenerated(data) ? MovingDigits.Actions
            : Directory.Exists(data)
                ? Directory.GetDirectories(data).Select(d => Path.GetFileName(d) ?? "").Where(n => n.Length > 0 && !n.StartsWith('.'))
                    .OrderBy(n => n, StringComparer.Ordinal).ToArray()
                : throw new DirectoryNotFoundException($"{data}: clip folder not found.");

    /// <summary>A ViViT checkpoint on the context's device, in eval mode, with its class names and side data.</summary>
    public static (FactorisedEncoderViViT Model, IReadOnlyList<string> Classes, CheckpointInfo Info) LoadCheckpoint(string dir, IZooContext context)
    {
        var (module, _, info) = Checkpoint.Load(dir, new ViViTFactory(), context);
        var model = (FactorisedEncoderViViT)module;
        IReadOnlyList<string> classes = info.Side<LabelNames>(LabelNames.Key)?.Names
            ?? LegacyClassNames(info)
            ?? Enumerable.Range(0, model.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (classes.Count != model.NumClasses)
        {
            model.Dispose();
            throw new InvalidDataException($"{Path.Combine(dir, Checkpoint.ConfigFile)}: {classes.Count} class names for {model.NumClasses} classes.");
        }
        model.to(context.Device);
        model.eval();
        return (model, classes, info);
    }

    /// <summary>Checkpoints written before the typed side data kept the names under "class_names".</summary>
    private static IReadOnlyList<string>? LegacyClassNames(CheckpointInfo info) =>
        info.Extra["class_names"] is System.Text.Json.Nodes.JsonArray a ? a.Select(n => n!.GetValue<string>()).ToArray() : null;

    public static void PrintEval(IZooOutput output, EvalResult r, IReadOnlyList<string> classes)
    {
        var rows = new List<IReadOnlyList<string>>();
        var recall = r.PerClassAccuracy;
        for (int c = 0; c < classes.Count; c++)
        {
            long n = 0;
            for (int p = 0; p < classes.Count; p++) n += r.Confusion[c, p];
            rows.Add([classes[c], n.ToString(CultureInfo.InvariantCulture), RecipeComparison.Pct(recall[c])]);
        }
        output.Table("per-class recall", ["class", "clips", "recall"], rows);
        int correct = Enumerable.Range(0, classes.Count).Sum(i => r.Confusion[i, i]);
        output.Line($"top-1 {RecipeComparison.Pct(r.Top1)} ({correct}/{r.Total}); chance {RecipeComparison.Pct(1.0 / classes.Count)}");
    }

    public static string Version() => typeof(ViViTFactory).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    public static T ParseEnum<T>(string text, string option) where T : struct, Enum
    {
        var norm = text.Replace("_", "").Replace("-", "");
        return Enum.TryParse<T>(norm, ignoreCase: true, out var v) ? v
            : throw new ArgumentException($"{option} must be one of " +
                $"{string.Join(", ", Enum.GetNames<T>().Select(n => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}, got '{text}'.");
    }

    /// <summary>A JSON object file (a spatial model's config fields), or null.</summary>
    public static System.Text.Json.Nodes.JsonObject? JsonFile(string? path) => path is null ? null
        : System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonObject
            ?? throw new InvalidDataException($"{path}: not a JSON object.");
}
