namespace Zoo.Cli.Services;

/// <summary>Reads <c>--plugins DIR</c> (repeatable, anywhere) before parsing: the plugins found decide which commands exist.</summary>
public static class PluginFolders
{
    public static List<string> FromArgs(string[] args)
    {
        var dirs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--plugins=", StringComparison.Ordinal)) dirs.Add(args[i]["--plugins=".Length..]);
            else if (args[i] == "--plugins")
                dirs.Add(i + 1 < args.Length ? args[++i] : throw new ArgumentException("--plugins needs a folder"));
        }
        return dirs;
    }
}
