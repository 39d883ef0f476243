using Spectre.Console;
using Zoo.Cli;
using Zoo.Cli.Services;
using Zoo.Core;
using Zoo.Hosting;

// The plugins found decide which verbs and options exist, so --plugins (and --device) are read before parsing.
if (System.Console.IsOutputRedirected)   // logs and pipes: do not wrap at 80 columns
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;

try
{
    ZooDevices.Parse(EarlyOptions.Device(args));
    var catalog = PluginCatalog.Discover(PluginCatalog.DefaultRoots(EarlyOptions.Plugins(args)));
    return ZooApp.Build(catalog).Run(args);
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    var e = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
    if (e is CudaUnavailableException)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
        return 2;
    }
    if (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or ArgumentException
        or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException)
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    else
        AnsiConsole.WriteException(e, ExceptionFormats.ShortenEverything);
    return 1;
}
