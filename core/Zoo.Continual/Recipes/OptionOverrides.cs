using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Zoo.Continual;

/// <summary>
/// <c>--set key=value</c> pairs (<see cref="Zoo.Core.CommonOptions.Overrides"/>) laid onto options records: a key names a
/// property in snake_case (<c>memory</c>, <c>reg_lambda</c>, <c>fpf_steps</c>), as the old learner extras did. The host
/// does this before a recipe runs; recipes do it again for callers that pass overrides directly (tests, libraries).
/// </summary>
public static class OptionOverrides
{
    /// <summary>Sets the properties of <paramref name="records"/> that keys of <paramref name="overrides"/> name; returns the other keys (null when
    /// none).</summary>
    public static JsonObject? Apply(JsonObject? overrides, params object[] records)
    {
        if (overrides is null || overrides.Count == 0) return null;
        var rest = new JsonObject();
        foreach (var (key, value) in overrides)
        {
            var k = key.Replace('-', '_').ToLowerInvariant();
            var hit = records.Select(r => (Record: r, Property: ComposedOptions.OptionProperties(r.GetType())
                .FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == k))).FirstOrDefault(h => h.Property != null);
            if (hit.Property is null || value is null)
            {
                rest[key] = value?.DeepClone();
                continue;
            }
            var text = value is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : value.ToJsonString();
            hit.Property.SetValue(hit.Record, Convert(text, hit.Property.PropertyType, key));
        }
        return rest.Count == 0 ? null : rest;
    }

    /// <summary>Parses <paramref name="text"/> as <paramref name="type"/> (invariant culture; booleans also as 1/0).</summary>
    public static object? Convert(string text, Type type, string name)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            if (t == typeof(string)) return text;
            if (t.IsEnum) return Enum.Parse(t, text.Replace("-", "").Replace("_", ""), ignoreCase: true);
            if (t == typeof(bool)) return text.Trim() switch { "1" => true, "0" => false, var b => bool.Parse(b) };
            return System.Convert.ChangeType(text, t, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or InvalidCastException)
        {
            throw new ArgumentException($"--set {name}: '{text}' is not a valid {t.Name}.", ex);
        }
    }
}
