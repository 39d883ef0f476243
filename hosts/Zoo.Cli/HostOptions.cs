using Spectre.Console.Cli;
using Zoo.Hosting;

namespace Zoo.Cli;

/// <summary>Options every command accepts, read before the command line is parsed.</summary>
public static class HostOptions
{
    public static (string[] Remaining, List<string> PluginDirs, string Device, int? Threads) Extract(string[] args)
    {
        var rest = new List<string>();
        var plugins = new List<string>();
        string device = Environment.GetEnvironmentVariable("ZOO_DEVICE") ?? "cpu";
        int? threads = null;
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string? Value(string name)
            {
                if (a.StartsWith(name + "=", StringComparison.Ordinal)) return a[(name.Length + 1)..];
                if (a == name && i + 1 < args.Length) return args[++i];
                return null;
            }
            if (a == "--plugins" || a.StartsWith("--plugins=", StringComparison.Ordinal))
                plugins.Add(Value("--plugins") ?? throw new ArgumentException("--plugins needs a folder"));
            else if (a == "--device" || a.StartsWith("--device=", StringComparison.Ordinal))
                device = Value("--device") ?? throw new ArgumentException("--device needs cpu or cuda");
            else if (a == "--threads" || a.StartsWith("--threads=", StringComparison.Ordinal))
                threads = int.TryParse(Value("--threads"), out var n) && n > 0 ? n : throw new ArgumentException("--threads needs a positive number");
            else rest.Add(a);
        }
        return (rest.ToArray(), plugins, device, threads);
    }
}

/// <summary>What commands share within one run.</summary>
public static class HostState
{
    public static PluginCatalog Catalog { get; set; } = null!;

    public static Func<string[], int> Dispatch { get; set; } = _ => 1;
}
