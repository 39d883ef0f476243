using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zoo.Core;

namespace Zoo.Hosting;

/// <summary>
/// The command line every host shares: <c>VERB MODEL[:preset] [common options] [recipe options]</c>. The host owns
/// the verbs and binds <see cref="CommonOptions"/> once; each recipe adds its typed options. Built with
/// System.CommandLine, whose options are made at run time (plugins decide which verbs and options exist).
/// </summary>
public static class RecipeCommandLine
{
    /// <summary>Options that apply to every command (bound once, anywhere on the line).</summary>
    public sealed class GlobalOptions
    {
        public Option<int?> Threads { get; } = new("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice)", Recursive = true };

        public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", Recursive = true, DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ZOO_DEVICE") ?? "cpu" };

        public Option<string[]> Plugins { get; } = new("--plugins") { Description = "an extra plugin folder (repeatable; searched first)", Recursive = true, Arity = ArgumentArity.ZeroOrMore };

        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "print the options a recipe would run with (JSON) and stop", Recursive = true };

        public void AddTo(Command root)
        {
            root.Options.Add(Threads);
            root.Options.Add(Device);
            root.Options.Add(Plugins);
            root.Options.Add(DryRun);
        }
    }

    /// <summary>
    /// Adds one command per verb, with one subcommand per recipe model, to <c>root</c>. <c>run</c> runs a bound recipe
    /// (the host wraps it: context, progress display, errors); <c>failed</c> is called for a recipe whose options
    /// cannot be built (a plugin bug), which is then skipped.
    /// </summary>
    public static void AddVerbs(Command root, GlobalOptions global, IEnumerable<(IZooRecipe Recipe, string Name, string Description)> recipes,
        Func<IZooRecipe, CommonOptions, object, int> run, Action<IZooRecipe, Exception>? failed = null,
        IReadOnlyDictionary<string, string>? verbDescriptions = null)
    {
        foreach (var verb in recipes.GroupBy(r => r.Recipe.Verb, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var command = root.Subcommands.FirstOrDefault(c => c.Name.Equals(verb.Key, StringComparison.OrdinalIgnoreCase));
            if (command is null)
            {
                command = new Command(verb.Key, verbDescriptions?.GetValueOrDefault(verb.Key) ?? $"{verb.Key} a model: zoo {verb.Key} MODEL[:preset] [options]");
                root.Subcommands.Add(command);
            }
            foreach (var (recipe, name, description) in verb.DistinctBy(r => r.Name, StringComparer.OrdinalIgnoreCase))
            {
                try
                {
                    command.Subcommands.Add(ModelCommand(recipe, name, description, global, run));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException or MissingMethodException)
                {
                    failed?.Invoke(recipe, ex);
                }
            }
        }
    }

    private static Command ModelCommand(IZooRecipe recipe, string name, string description, GlobalOptions global, Func<IZooRecipe, CommonOptions, object, int> run)
    {
        var cmd = new Command(name, description);
        var common = new CommonBinder(recipe.CommonAliases);
        common.AddTo(cmd);
        var taken = new HashSet<string>(common.Names.Concat(["--threads", "--device", "--plugins", "--dry-run", "--help", "-h", "-?"]), StringComparer.Ordinal);
        var own = RecipeOptions.For(recipe.OptionsType, taken);
        foreach (var o in own.Options) cmd.Options.Add(o);
        if (own.Positional is { } positional) cmd.Arguments.Add(positional);
        cmd.SetAction(parse =>
        {
            var c = common.Bind(parse, global);
            var options = own.Bind(parse);
            var used = RecipeOptions.Apply(options, c.Overrides);
            // --set pairs that named the recipe's options are consumed; the rest stay model-config overrides.
            if (used.Count > 0 && c.Overrides is { } o)
            {
                var rest = new JsonObject();
                foreach (var (k, v) in o) if (!used.Contains(k)) rest[k] = v?.DeepClone();
                c = c with { Overrides = rest.Count == 0 ? null : rest };
            }
            if (parse.GetValue(global.DryRun))
            {
                var plan = new JsonObject
                {
                    ["verb"] = recipe.Verb, ["model"] = name,
                    ["common"] = ZooJson.ToNode(c, typeof(CommonOptions)), ["options"] = ZooJson.ToNode(options, options.GetType()),
                };
                (parse.InvocationConfiguration.Output ?? Console.Out).WriteLine(plan.ToJsonString(ZooJson.Options));
                return 0;
            }
            return run(recipe, c, options);
        });
        return cmd;
    }

    /// <summary>
    /// <c>train tnt:s</c> -> <c>train tnt --preset s</c> (System.CommandLine matches subcommands by exact name).
    /// Only the token right after a known verb is split.
    /// </summary>
    public static string[] SplitPreset(string[] args, ISet<string> verbs)
    {
        var result = new List<string>(args.Length + 2);
        for (int i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            if (verbs.Contains(args[i]) && i + 1 < args.Length && !args[i + 1].StartsWith('-') && args[i + 1].Contains(':'))
            {
                var spec = args[++i];
                int colon = spec.IndexOf(':');
                result.Add(spec[..colon]);
                result.Add("--preset");
                result.Add(spec[(colon + 1)..]);
            }
        }
        return result.ToArray();
    }

    /// <summary>
    /// Parses and runs one command line over <paramref name="recipes"/> with <paramref name="context"/> (tests,
    /// embedding hosts). Exceptions from the recipe propagate. Returns the recipe's exit code, 2 on a usage error.
    /// </summary>
    public static int Invoke(IEnumerable<IZooRecipe> recipes, string[] args, IZooContext context, TextWriter? output = null)
    {
        var root = new RootCommand("zoo recipes");
        var global = new GlobalOptions();
        global.AddTo(root);
        var list = recipes.ToList();
        AddVerbs(root, global, list.Select(r => (r, r.Model, r.Description)),
            (recipe, common, options) =>
            {
                var ctx = context is ZooContext z ? z with { Threads = common.Threads ?? z.Threads } : context;
                return recipe.Run(ctx, common, options);
            },
            (r, ex) => throw new InvalidOperationException($"{r.Verb} {r.Model}: {ex.Message}", ex));
        return Run(root, SplitPreset(args, list.Select(r => r.Verb).ToHashSet(StringComparer.OrdinalIgnoreCase)), output);
    }

    /// <summary>Binds <paramref name="args"/> (options only, no verb/model) for one recipe.</summary>
    public static (CommonOptions Common, object Options) Bind(IZooRecipe recipe, string[] args)
    {
        (CommonOptions, object)? bound = null;
        var root = new RootCommand("zoo recipes");
        var global = new GlobalOptions();
        global.AddTo(root);
        AddVerbs(root, global, [(recipe, recipe.Model, recipe.Description)], (_, c, o) => { bound = (c, o); return 0; },
            (r, ex) => throw new InvalidOperationException($"{r.Verb} {r.Model}: {ex.Message}", ex));
        var rc = Run(root, [recipe.Verb, recipe.Model, .. args], null);
        return rc == 0 && bound is { } b ? b : throw new ArgumentException($"{recipe.Verb} {recipe.Model}: invalid options: {string.Join(' ', args)}");
    }

    /// <summary>Parses and invokes; usage errors print to <paramref name="output"/> (stderr by default) and return 2.</summary>
    public static int Run(RootCommand root, string[] args, TextWriter? output)
    {
        var parse = root.Parse(args);
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output != null) config.Output = output;
        bool help = args.Any(a => a is "--help" or "-h" or "-?");
        if (parse.Errors.Count > 0 && !help)
        {
            var err = output ?? Console.Error;
            foreach (var e in parse.Errors) err.WriteLine("error: " + e.Message);
            err.WriteLine($"Try '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Prepend("zoo"))} --help'.");
            return 2;
        }
        return parse.Invoke(config);
    }

    /// <summary>The common option set, with a recipe's extra spellings.</summary>
    private sealed class CommonBinder
    {
        private readonly Option<string?> _data = new("--data") { Description = "data file or folder (or a data set name the recipe knows)" };
        private readonly Option<string?> _out = new("--out", "-o") { Description = "where results go (checkpoint folder, CSV, PNG)" };
        private readonly Option<string?> _checkpoint = new("--checkpoint", "-c") { Description = "checkpoint folder to load" };
        private readonly Option<int?> _epochs = new("--epochs") { Description = "training epochs" };
        private readonly Option<int?> _steps = new("--steps") { Description = "cap on optimiser steps" };
        private readonly Option<int?> _batch = new("--batch-size", "--batch_size") { Description = "batch size" };
        private readonly Option<double?> _lr = new("--lr") { Description = "learning rate" };
        private readonly Option<long?> _seed = new("--seed") { Description = "random seed" };
        private readonly Option<string?> _preset = new("--preset") { Description = "the model's named preset (also MODEL:PRESET)" };
        private readonly Option<string[]> _set = new("--set") { Description = "override a config field: --set key=value (repeatable)", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        private readonly Option<string?> _config = new("--config-file") { Description = "a JSON file of config fields laid over the preset" };

        public CommonBinder(IReadOnlyDictionary<string, string> aliases)
        {
            foreach (var (alias, target) in aliases)
            {
                var o = All.FirstOrDefault(x => x.Name == target || x.Aliases.Contains(target))
                    ?? throw new ArgumentException($"alias {alias} names {target}, which is not a common option ({string.Join(", ", All.Select(x => x.Name))}).");
                if (!o.Aliases.Contains(alias) && o.Name != alias) o.Aliases.Add(alias);
            }
        }

        private IEnumerable<Option> All => [_data, _out, _checkpoint, _epochs, _steps, _batch, _lr, _seed, _preset, _set, _config];

        public IEnumerable<string> Names => All.SelectMany(o => o.Aliases.Prepend(o.Name));

        public void AddTo(Command c)
        {
            foreach (var o in All) c.Options.Add(o);
        }

        public CommonOptions Bind(ParseResult p, GlobalOptions g) => new()
        {
            Data = p.GetValue(_data),
            Out = p.GetValue(_out),
            Checkpoint = p.GetValue(_checkpoint),
            Epochs = p.GetValue(_epochs),
            Steps = p.GetValue(_steps),
            BatchSize = p.GetValue(_batch),
            Lr = p.GetValue(_lr),
            Seed = p.GetValue(_seed),
            Threads = p.GetValue(g.Threads) is int t ? (t > 0 ? t : throw new ArgumentException("--threads needs a positive number")) : null,
            Device = p.GetValue(g.Device) ?? "cpu",
            Preset = p.GetValue(_preset),
            Overrides = Overrides(p.GetValue(_set), p.GetValue(_config)),
        };

        private static JsonObject? Overrides(string[]? pairs, string? file)
        {
            JsonObject? o = null;
            if (file != null) o = ZooJson.ReadObject(file);
            foreach (var pair in pairs ?? [])
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--set {pair}: expected key=value.");
                o ??= new JsonObject();
                var key = pair[..eq].Trim().Replace('-', '_');
                var text = pair[(eq + 1)..].Trim();
                // Numbers, booleans and JSON arrays/objects keep their type; anything else is a string.
                JsonNode? value;
                try { value = JsonNode.Parse(text); }
                catch (JsonException) { value = JsonValue.Create(text); }
                o[key] = value ?? JsonValue.Create(text);
            }
            return o;
        }
    }
}
