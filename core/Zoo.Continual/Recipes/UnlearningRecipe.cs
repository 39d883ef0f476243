using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Data;

namespace Zoo.Continual;

/// <summary>
/// <c>zoo forget UNLEARNER -c DIR --classes 3,7 [unlearner options]</c>: runs the catalog's <see cref="IUnlearner"/> named
/// UNLEARNER on a trained digits classifier (one request, or a sequence "3;7"), measures forget/retain test
/// accuracy before and after, and saves the edited checkpoint (default <c>DIR-forget-UNLEARNER</c>) with unlearning.md and
/// unlearning.png inside. Options are composed like <see cref="ContinualRecipe"/>'s: <see cref="UnlearningRunOptions"/> and
/// the unlearner's own record (<see cref="IUnlearner.OptionsType"/>).
/// </summary>
public sealed class UnlearningRecipe(string unlearnerName, Type unlearnerOptionsType, string? description = null)
    : ComponentRecipe<UnlearningRunOptions>(ZooVerbs.Forget, unlearnerName, unlearnerOptionsType,
        description ?? $"Forget digit classes from a classifier checkpoint with {unlearnerName}.")
{
    public override int Run(IZooContext context, CommonOptions common, object options)
    {
        Execute(context, common, options);
        return 0;
    }

    /// <summary>Runs the unlearner over the requests and saves the edited checkpoint; returns the measured steps.</summary>
    public IReadOnlyList<UnlearningStep> Execute(IZooContext context, CommonOptions common, object options)
    {
        var (run, unlearnerOptions) = Parts(options);
        var rest = OptionOverrides.Apply(common.Overrides, unlearnerOptions, run);
        if (rest is not null) throw new ArgumentException($"forget {Model}: unknown --set keys {string.Join(", ", rest.Select(k => k.Key))}.");
        var checkpoint = string.IsNullOrWhiteSpace(common.Checkpoint) ? throw new ArgumentException("--checkpoint DIR is required.") : common.Checkpoint;
        var requests = UnlearningRunner.ParseRequests(run.Classes);
        var info = Checkpoint.ReadInfo(checkpoint);
        var factory = context.Catalog.Get<IModelFactory>(info.Model);
        var (model, config, _) = Checkpoint.Load(checkpoint, factory, context);
        using var _m = model;
        var classifier = model as IImageClassifier ?? throw new InvalidDataException($"{checkpoint}: model '{info.Model}' is not an image classifier.");
        if (classifier.NumClasses != DigitsCsv.Classes)
            throw new InvalidDataException($"{checkpoint}: the model has {classifier.NumClasses} classes; the digits have {DigitsCsv.Classes}.");
        var digits = DigitsCsv.LoadOrShipped(common.Data);
        model.to(context.Device);
        long seed = common.Seed ?? 0;
        var (train, test) = SplitDigits.Full(digits, classifier.InputSpec, 0.2, seed);
        var settings = DigitsSettings(common, unlearnerOptions);
        var unlearner = context.Catalog.Get<IUnlearner>(Model);
        torch.manual_seed(seed);
        var o = context.Output;
        o.Line($"{Model} on {info.Model} checkpoint {checkpoint}: {requests.Count} request(s) "
            + string.Join(" then ", requests.Select(r => "{" + string.Join(",", r) + "}"))
            + $"; {train.Count} train / {test.Count} test digits (split seed {seed})");
        IReadOnlyList<UnlearningStep> steps;
        using (var task = context.Progress.Start($"forget with {Model}", 0))
            steps = UnlearningRunner.Run(unlearner, model, train, test, requests, settings, context, Describing(task));
        o.Table($"{Model}: test accuracy before and after", ContinualReport.UnlearningHeaders, steps.Select(s => ContinualReport.UnlearningRow(Model, s)));
        var outDir = common.Out ?? checkpoint.TrimEnd('/', '\\') + "-forget-" + Model.Split('@')[0];
        model.cpu();
        var side = new CheckpointSideData().With(UnlearningRecord.Key, new UnlearningRecord
        {
            Unlearner = Model, Classes = run.Classes, Source = Path.GetFullPath(checkpoint), Steps = steps,
        });
        // The source's side data (labels, provenance) stays with the edited model.
        Checkpoint.Save(outDir, info.Model, info.Version, factory, config, model, info.Extra.DeepClone().AsObject(),
            new Dictionary<string, string> { ["unlearning.md"] = UnlearningRunner.Table(Model, steps) }, side);
        ContinualReport.UnlearningBars(Path.Combine(outDir, "unlearning.png"), steps, $"{Model}: forget {run.Classes}");
        o.Line($"edited checkpoint: {Path.GetFullPath(outDir)} (unlearning.md, unlearning.png inside)");
        foreach (var d in new[] { train, test }) { d.Inputs.Dispose(); d.Labels.Dispose(); }
        return steps;
    }
}

/// <summary>What <c>zoo forget</c> did to a checkpoint (side data under "unlearning").</summary>
public sealed record UnlearningRecord
{
    public const string Key = "unlearning";

    public string Unlearner { get; init; } = "";

    public string Classes { get; init; } = "";

    public string Source { get; init; } = "";

    public IReadOnlyList<UnlearningStep> Steps { get; init; } = [];
}
