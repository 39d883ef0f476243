using System.Text.Json.Nodes;

namespace Zoo.Core;

/// <summary>
/// One verb over one model, e.g. <c>zoo train informer</c>. The host owns the verb and binds
/// <see cref="CommonOptions"/> once; the recipe's own options are a typed record (<see cref="OptionsType"/>:
/// a class with a parameterless constructor whose settable properties carry a
/// <see cref="System.ComponentModel.DescriptionAttribute"/>). The host turns each property into a hyphenated
/// option (<c>SeqLen</c> -> <c>--seq-len</c>, with <c>--seq_len</c> as an alias) and shows them in <c>--help</c>.
/// Recipes compute and report through <see cref="IZooContext.Output"/>; they never parse command lines.
/// </summary>
public interface IZooRecipe
{
    /// <summary>One of <see cref="ZooVerbs"/> (or a new verb a plugin introduces).</summary>
    string Verb { get; }

    /// <summary>The model name users type after the verb (usually the factory's name).</summary>
    string Model { get; }

    /// <summary>One line for <c>zoo VERB --help</c>.</summary>
    string Description { get; }

    /// <summary>The typed record of this recipe's own options (<see cref="NoOptions"/> when it has none).</summary>
    Type OptionsType { get; }

    /// <summary>Extra spellings of common options (<c>--learning_rate</c> for <c>--lr</c>), keyed by the spelling.</summary>
    IReadOnlyDictionary<string, string> CommonAliases { get; }

    /// <summary>Runs the recipe; returns the process exit code (0 = success).</summary>
    int Run(IZooContext context, CommonOptions common, object options);
}

/// <summary>A recipe with typed options.</summary>
public abstract class Recipe<TOptions> : IZooRecipe where TOptions : class, new()
{
    protected Recipe(string verb, string model, string description)
    {
        Verb = verb;
        Model = model;
        Description = description;
    }

    public string Verb { get; }

    public string Model { get; }

    public string Description { get; }

    public Type OptionsType => typeof(TOptions);

    public virtual IReadOnlyDictionary<string, string> CommonAliases { get; } = new Dictionary<string, string>();

    public int Run(IZooContext context, CommonOptions common, object options) => Run(context, common, (TOptions)options);

    public abstract int Run(IZooContext context, CommonOptions common, TOptions options);
}

/// <summary>Exported by a plugin to add recipes (contract <c>typeof(IRecipeProvider)</c>).</summary>
public interface IRecipeProvider
{
    IEnumerable<IZooRecipe> Recipes { get; }
}

/// <summary>The options record of a recipe without options of its own.</summary>
public sealed record NoOptions;

/// <summary>The verbs the host knows; a recipe may introduce others.</summary>
public static class ZooVerbs
{
    public const string Train = "train";
    public const string Eval = "eval";
    public const string Predict = "predict";
    public const string Embed = "embed";
    public const string Bench = "bench";
    public const string Demo = "demo";
    public const string Tile = "tile";
    public const string Continual = "continual";
    public const string Forget = "forget";
}

/// <summary>
/// The options every verb binds once (hyphenated names). Null means "not given": the recipe applies its own
/// default (an Informer trains 6 epochs, a TNT 30).
/// </summary>
public sealed record CommonOptions
{
    /// <summary><c>--data</c>: a data file or folder (or a data set name the recipe knows).</summary>
    public string? Data { get; init; }

    /// <summary><c>--out</c>: where results go (checkpoint folder, CSV, PNG).</summary>
    public string? Out { get; init; }

    /// <summary><c>--checkpoint</c> (<c>-c</c>): a checkpoint folder to load.</summary>
    public string? Checkpoint { get; init; }

    public int? Epochs { get; init; }

    /// <summary><c>--steps</c>: a cap on optimiser steps (per epoch or in all, as the recipe says).</summary>
    public int? Steps { get; init; }

    public int? BatchSize { get; init; }

    public double? Lr { get; init; }

    public long? Seed { get; init; }

    public int? Threads { get; init; }

    public string Device { get; init; } = "cpu";

    /// <summary>The preset after the model name (<c>zoo train tnt:s</c>), or null.</summary>
    public string? Preset { get; init; }

    /// <summary>Config fields laid over the preset (<c>--set depth=2</c>, <c>--config file.json</c>).</summary>
    public JsonObject? Overrides { get; init; }

    /// <summary>The model spec for <paramref name="model"/> with this run's preset: <c>tnt:s</c>.</summary>
    public string ModelSpec(string model) => Preset is null ? model : $"{model}:{Preset}";
}

/// <summary>
/// Overrides the option name the host derives from a property (<c>--distil</c> for <c>DistilOff</c>), and adds aliases.
/// Names include the dashes.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionNameAttribute(string name, params string[] aliases) : Attribute
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Aliases { get; } = aliases;
}

/// <summary>A recipe option's value must be one of these (case-insensitive); shown in help and checked by the host.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AllowedValuesAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>
/// Binds the property to the positional argument after <c>VERB MODEL</c> (<c>zoo tile wsi SLIDE</c>), besides its
/// option name; an array property takes every remaining argument (<c>zoo predict vivit -c DIR a.gif b.gif</c>).
/// At most one property of a record carries it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PositionalAttribute : Attribute;
