using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Continual;

/// <summary>
/// The settings of a <c>zoo continual LEARNER</c> run besides the common options (<c>--data</c> digits CSV, <c>--epochs</c> 3,
/// <c>--batch-size</c> 32, <c>--lr</c> 1e-3, <c>--seed</c> 0, <c>-o|--out</c>, <c>--preset</c> of the backbone,
/// <c>--config</c> a backbone config JSON, <c>--set key=value</c> learner options or backbone config fields).
/// </summary>
public sealed record ContinualRunOptions
{
    [Description("Backbone model (an image classifier/encoder) as name[:preset]: tnt (default), tnt:tiny, vit:tiny, ...; "
        + "without a preset, --preset or else the model's 'tiny' (or smallest) preset")]
    public string Model { get; init; } = "tnt";

    [Description("Start from a (pre-trained) checkpoint folder instead of a random backbone")] public string? Backbone { get; init; }

    [Description("split-digits (class-incremental, 5 tasks x 2 classes) or split-digits-task (task-incremental)")]
    [AllowedValues("split-digits", "split-digits-task", "split-digits-class", "split-digits-til")]
    public string Benchmark { get; init; } = "split-digits";

    [Description("Task-incremental: the task id is given at test time (same as --benchmark split-digits-task)")]
    public bool TaskIncremental { get; init; }

    [Description("Also save the final backbone as a checkpoint folder (e.g. the input of zoo forget); "
        + "only the backbone: a learner's prompts/adapters are not in it")]
    public string? Save { get; init; }

    /// <summary>Task-incremental from <see cref="Benchmark"/> or <see cref="TaskIncremental"/>; the benchmark's canonical name.</summary>
    public (bool TaskIncremental, string Benchmark) ResolveBenchmark()
    {
        bool til = Benchmark.Trim().ToLowerInvariant() switch
        {
            "split-digits" or "split-digits-class" => false,
            "split-digits-task" or "split-digits-til" => true,
            _ => throw new ArgumentException($"Unknown benchmark '{Benchmark}' (use split-digits or split-digits-task)."),
        };
        til |= TaskIncremental;
        return (til, til ? "split-digits-task" : "split-digits");
    }
}

/// <summary>
/// The settings of a <c>zoo forget UNLEARNER</c> run besides the common options (<c>-c|--checkpoint</c> the trained
/// classifier, <c>--data</c>, <c>--epochs</c>, <c>--batch-size</c>, <c>--lr</c>, <c>--seed</c> of the 80/20 split,
/// <c>-o|--out</c> the edited checkpoint, <c>--set key=value</c> unlearner options).
/// </summary>
public sealed record UnlearningRunOptions
{
    [Description("Classes to forget, e.g. 3,7; a sequence of requests with ';' (3;7 forgets 3, then 7)")] public string Classes { get; init; } = "";
}
