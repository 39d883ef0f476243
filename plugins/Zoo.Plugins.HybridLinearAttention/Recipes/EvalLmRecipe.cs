using System.Globalization;
using System.Text;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Sequence;

namespace Zoo.Plugins.HybridLinearAttention;

/// <summary>
/// <c>zoo eval hybrid-lm --checkpoint DIR</c>: recall or perplexity of a checkpoint. <c>--suite mqar</c>: trains and scores
/// every pure mixer and the hybrids of --mixer with attention at --ratios, printing the recall table.
/// </summary>
public sealed class EvalLmRecipe(string model = "hybrid-lm")
    : Recipe<LmOptions>(ZooVerbs.Eval, model, "Evaluate a hybrid-lm checkpoint, or --suite mqar for the recall table.")
{
    public override IReadOnlyDictionary<string, string> CommonAliases => LmOptions.CommonAliases;

    public override int Run(IZooContext context, CommonOptions common, LmOptions options)
    {
        options.Validate();
        var run = new LmRun(context, common, options);
        if (options.Suite is null)
        {
            if (common.Checkpoint is null) throw new ArgumentException("eval hybrid-lm needs --checkpoint DIR or --suite mqar.");
            var (module, _, _) = Checkpoint.Load(common.Checkpoint, new HybridLmFactory(), context);
            using var loaded = (HybridLM)module;
            var score = run.Evaluate(loaded);
            context.Output.Line(options.Task == "mqar"
                ? string.Create(CultureInfo.InvariantCulture, $"MQAR recall {score:P1}")
                : string.Create(CultureInfo.InvariantCulture, $"validation perplexity {score:F3}"));
            return 0;
        }
        if (options.Suite != "mqar") throw new ArgumentException($"Unknown --suite '{options.Suite}' (only mqar).");
        var split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        var layers = options.ModelConfig(common).NLayers;
        var runs = new List<(string Name, HybridLmConfig Cfg)>();
        foreach (var m in options.Mixers.Split(',', split))
            runs.Add(($"pure {m}", options.ModelConfig(common, m, 0)));
        var mixer = options.ModelConfig(common).Mixer;
        foreach (var r in options.Ratios.Split(',', split).Select(v => int.Parse(v, CultureInfo.InvariantCulture)))
            runs.Add(($"{mixer} {r}:1", options.ModelConfig(common, mixer, r, Math.Max(layers, r + 1))));
        var rows = new List<IReadOnlyList<string>>();
        var curves = new List<(string Label, IReadOnlyList<double> Curve)>();
        var md = new StringBuilder($"| model | layers | params | MQAR recall ({options.Pairs} pairs) | final train loss | train s |\n|---|---|---|---|---|---|\n");
        foreach (var (name, cfg) in runs)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (model, curve) = run.Train(cfg, name);
            using (model)
            {
                var secs = sw.Elapsed.TotalSeconds;
                var recall = run.Evaluate(model);
                var p = model.parameters().Sum(t => t.numel());
                var tail = curve.Skip(Math.Max(0, curve.Count - 20)).DefaultIfEmpty(double.NaN).Average();
                var row = new[] { name, LmRun.Describe(model), p.ToString("N0", CultureInfo.InvariantCulture), recall.ToString("P1", CultureInfo.InvariantCulture),
                    tail.ToString("F3", CultureInfo.InvariantCulture), secs.ToString("F0", CultureInfo.InvariantCulture) };
                rows.Add(row);
                md.Append("| ").Append(string.Join(" | ", row)).Append(" |\n");
                context.Output.Line(string.Create(CultureInfo.InvariantCulture, $"{name}: recall {recall:P1}"));
                if (curve.Count > 0) curves.Add((string.Create(CultureInfo.InvariantCulture, $"{name} ({recall:P0})"), curve));
            }
        }
        context.Output.Table($"MQAR ({options.Pairs} pairs, vocab {options.MqarVocab})", ["model", "layers", "params", "recall", "final loss", "train s"], rows);
        if (common.Out is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(common.Out))!);
            AtomicFile.WriteAllText(common.Out, md.ToString());
            context.Output.Line($"table written to {common.Out}");
        }
        if (options.Plot is not null && curves.Count > 0)
        {
            LossCurves.Write(options.Plot, $"MQAR ({options.Pairs} pairs, vocab {options.MqarVocab}): training loss", curves);
            context.Output.Line($"loss curves written to {options.Plot}");
        }
        return 0;
    }
}
