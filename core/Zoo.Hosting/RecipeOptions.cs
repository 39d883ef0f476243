using System.CommandLine;
using System.ComponentModel;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Zoo.Core;

namespace Zoo.Hosting;

/// <summary>
/// Turns a recipe's typed options record into command-line options, and a parse result back into the record.
/// A property <c>SeqLen</c> becomes <c>--seq-len</c> with <c>--seq_len</c> as an alias (the paper's spelling);
/// <see cref="OptionNameAttribute"/> overrides the name; the description comes from <see cref="DescriptionAttribute"/>
/// and the default shown in help from a fresh instance of the record.
/// </summary>
public sealed class RecipeOptions
{
    private readonly List<(PropertyInfo Property, Option Option)> _bound = [];
    private (PropertyInfo Property, Argument Argument)? _positional;

    private RecipeOptions(Type type) => Type = type;

    public Type Type { get; }

    public IReadOnlyList<Option> Options => _bound.Select(b => b.Option).ToList();

    /// <summary>The positional argument (a property marked <see cref="PositionalAttribute"/>), or null.</summary>
    public Argument? Positional => _positional?.Argument;

    /// <summary>Options for every settable public property of <paramref name="type"/>; names in <paramref name="taken"/> are an error.</summary>
    public static RecipeOptions For(Type type, ISet<string> taken)
    {
        if (type.GetConstructor(Type.EmptyTypes) is null) throw new ArgumentException($"{type.Name}: an options record needs a parameterless constructor.");
        var result = new RecipeOptions(type);
        var defaults = Activator.CreateInstance(type)!;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            if (p.Name == "EqualityContract") continue;
            var named = p.GetCustomAttribute<OptionNameAttribute>();
            var name = named?.Name ?? "--" + Kebab(p.Name);
            var aliases = new List<string>(named?.Aliases ?? []);
            var underscore = name.Replace('-', '_');
            if (underscore.StartsWith("__", StringComparison.Ordinal)) underscore = "--" + underscore[2..];
            if (underscore != name) aliases.Add(underscore);
            foreach (var n in aliases.Prepend(name))
                if (!taken.Add(n)) throw new ArgumentException($"{type.Name}.{p.Name}: option {n} is already defined (by the common options or another property).");
            var option = Create(p.PropertyType, name, aliases.ToArray(), p.GetValue(defaults));
            option.Description = p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "";
            if (p.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
            {
                option.Description += $" ({string.Join(", ", allowed.Values)})";
                option.Validators.Add(r =>
                {
                    foreach (var t in r.Tokens)
                        if (!allowed.Values.Contains(t.Value, StringComparer.OrdinalIgnoreCase))
                            r.AddError($"{name}: '{t.Value}' is not one of {string.Join(", ", allowed.Values)}.");
                });
            }
            result._bound.Add((p, option));
            if (p.GetCustomAttribute<PositionalAttribute>() != null)
            {
                if (result._positional != null) throw new ArgumentException($"{type.Name}: only one property can be [Positional].");
                var arg = (Argument)Activator.CreateInstance(typeof(Argument<>).MakeGenericType(p.PropertyType), Kebab(p.Name).ToUpperInvariant())!;
                arg.Arity = p.PropertyType.IsArray ? ArgumentArity.ZeroOrMore : ArgumentArity.ZeroOrOne;
                arg.Description = option.Description + $" (or {name})";
                result._positional = (p, arg);
            }
        }
        return result;
    }

    /// <summary>A new record with the given values over its defaults.</summary>
    public object Bind(ParseResult parse)
    {
        var value = Activator.CreateInstance(Type)!;
        foreach (var (p, o) in _bound)
        {
            var r = parse.GetResult(o);
            if (r is null || r.Implicit) continue;
            p.SetValue(value, Value(parse, o));
        }
        if (_positional is var (pp, arg) && parse.GetResult(arg) is { Tokens.Count: > 0 })
        {
            if (_bound.First(b => b.Property == pp).Option is var named && parse.GetResult(named) is { Implicit: false })
                throw new ArgumentException($"{pp.Name}: given both as an argument and as {named.Name}.");
            pp.SetValue(value, Value(parse, arg));
        }
        return value;
    }

    /// <summary>Lays <c>--set key=value</c> pairs whose key names a property (snake_case or kebab-case) onto a record; returns the keys used.</summary>
    public static HashSet<string> Apply(object record, JsonObject? overrides)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (overrides is null) return used;
        foreach (var (k, v) in overrides)
        {
            var p = record.GetType().GetProperties().FirstOrDefault(x => x.CanWrite && (Snake(x.Name) == k.Replace('-', '_').ToLowerInvariant()));
            if (p is null || v is null) continue;
            var text = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v.ToJsonString();
            p.SetValue(record, Convert(text, p.PropertyType, k));
            used.Add(k);
        }
        return used;
    }

    internal static object? Convert(string text, Type type, string name)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            if (t == typeof(string)) return text;
            if (t.IsArray)
            {
                var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var array = Array.CreateInstance(t.GetElementType()!, parts.Length);
                for (int i = 0; i < parts.Length; i++) array.SetValue(Convert(parts[i], t.GetElementType()!, name), i);
                return array;
            }
            if (t.IsEnum) return Enum.Parse(t, text.Replace("-", "").Replace("_", ""), ignoreCase: true);
            if (t == typeof(bool))
                return text.Trim().ToLowerInvariant() switch
                {
                    "1" or "true" or "yes" or "on" => true,
                    "0" or "false" or "no" or "off" => false,
                    _ => throw new FormatException($"'{text}' is not true/false/1/0"),
                };
            return System.Convert.ChangeType(text, t, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or InvalidCastException)
        {
            throw new ArgumentException($"{name}: '{text}' is not a valid {t.Name}.", ex);
        }
    }

    /// <summary>The typed value of an <c>Option&lt;T&gt;</c> or <c>Argument&lt;T&gt;</c> made at run time (ParseResult.GetValue&lt;T&gt;).</summary>
    private static object? Value(ParseResult parse, Symbol symbol)
    {
        var kind = symbol is Option ? typeof(Option<>) : typeof(Argument<>);
        var m = typeof(ParseResult).GetMethods().Single(m => m.Name == nameof(ParseResult.GetValue) && m.IsGenericMethod
            && m.GetParameters()[0].ParameterType.IsGenericType && m.GetParameters()[0].ParameterType.GetGenericTypeDefinition() == kind);
        return m.MakeGenericMethod(symbol.GetType().GetGenericArguments()[0]).Invoke(parse, [symbol]);
    }

    private static Option Create(Type type, string name, string[] aliases, object? defaultValue)
    {
        var option = (Option)Activator.CreateInstance(typeof(Option<>).MakeGenericType(type), name, aliases)!;
        if (defaultValue is not null && !(type == typeof(bool) && defaultValue is false))
        {
            // Shown in help as "[default: 96]"; never used for binding (the record's own default is).
            var factory = typeof(RecipeOptions).GetMethod(nameof(DefaultFactory), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
            option.GetType().GetProperty("DefaultValueFactory")!.SetValue(option, factory.Invoke(null, [defaultValue]));
        }
        return option;
    }

    private static Func<System.CommandLine.Parsing.ArgumentResult, T> DefaultFactory<T>(object value) => _ => (T)value;

    /// <summary><c>SeqLen</c> -> <c>seq-len</c>.</summary>
    public static string Kebab(string name) => Snake(name).Replace('_', '-');

    /// <summary><c>SeqLen</c> -> <c>seq_len</c>, <c>DFf</c> -> <c>d_ff</c>, <c>COut</c> -> <c>c_out</c>.</summary>
    public static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
