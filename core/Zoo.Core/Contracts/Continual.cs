using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>An in-memory labelled split: inputs [N, ...] and int64 labels [N].</summary>
public sealed record LabeledData(Tensor Inputs, Tensor Labels)
{
    public long Count => Labels.shape[0];
}

/// <summary>One task of a continual stream: its classes (or domain) and its train/test splits.</summary>
public sealed record ContinualTask(int Index, string Name, IReadOnlyList<int> Classes, LabeledData Train, LabeledData Test);

/// <summary>Settings every learner understands; a learner's own options are its typed record in <see cref="Options"/>.</summary>
public sealed record ContinualSettings
{
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public int TotalClasses { get; init; } = 10;
    /// <summary>Task-incremental: the task id is known at test time (logits masked to the task's classes).</summary>
    public bool TaskIncremental { get; init; }
    public long Seed { get; init; } = 0;
    /// <summary>The learner's (or unlearner's) own options: an instance of its <c>OptionsType</c> (null: its defaults).</summary>
    public object? Options { get; init; }

    /// <summary>The learner's options as <typeparamref name="T"/> (its defaults when none were given).</summary>
    public T OptionsAs<T>() where T : class, new() => Options as T ?? new T();
}

/// <summary>
/// Learns a stream of tasks one by one. Created fresh per run (a learner holds state: buffers, prompts, adapters).
/// Exported with <see cref="ZooExportAttribute"/> (contract <c>typeof(IContinualLearner)</c>).
/// </summary>
public interface IContinualLearner : IDisposable
{
    /// <summary>The typed record of this learner's own options (<see cref="NoOptions"/> when none); the host makes them command-line options.</summary>
    Type OptionsType { get; }

    /// <summary>Receives the backbone (an <see cref="IImageEncoder"/> or <see cref="IImageClassifier"/> module) before the first task.</summary>
    void Initialize(nn.Module backbone, ContinualSettings settings, IZooContext context);

    /// <summary>Learns one task.</summary>
    void Learn(ContinualTask task, IProgress<TrainingProgress>? progress = null);

    /// <summary>Logits over all classes for <paramref name="inputs"/>; <paramref name="taskIndex"/> is given in task-incremental mode.</summary>
    Tensor Predict(Tensor inputs, int? taskIndex);
}

/// <summary>Removes a forget set from a trained classifier while keeping a retain set.</summary>
public interface IUnlearner
{
    /// <summary>The typed record of this unlearner's own options (<see cref="NoOptions"/> when none).</summary>
    Type OptionsType { get; }

    /// <summary>Edits <paramref name="model"/> (an <see cref="IImageClassifier"/> module) in place.</summary>
    void Forget(nn.Module model, LabeledData forget, LabeledData retain, ContinualSettings settings, IZooContext context, IProgress<TrainingProgress>? progress = null);
}

/// <summary>Progress of a long job (epochs, steps).</summary>
public sealed record TrainingProgress(string Stage, int Step, int TotalSteps, double? Loss = null, string? Message = null);
