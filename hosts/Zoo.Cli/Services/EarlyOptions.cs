namespace Zoo.Cli.Services;

/// <summary>
/// Options read before the command line is parsed: <c>--plugins DIR</c> (repeatable; the plugins found decide which
/// commands exist) and <c>--device</c> (checked once for every command, so a missing CUDA is a usage error up front).
/// Both are also declared as options, so they parse and show in help.
/// </summary>
public static class EarlyOptions
{
    public static List<string> Plugins(string[] args) => Values(args, "--plugins");

    /// <summary>The last <c>--device</c> given, else <c>ZOO_DEVICE</c>, else cpu.</summary>
    public static string Device(string[] args) => Values(args, "--device").LastOrDefault() ?? Environment.GetEnvironmentVariable("ZOO_DEVICE") ?? "cpu";

    private static List<string> Values(string[] args, string name)
    {
        var values = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith(name + "=", StringComparison.Ordinal)) values.Add(args[i][(name.Length + 1)..]);
            else if (args[i] == name)
                values.Add(i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value"));
        }
        return values;
    }
}
