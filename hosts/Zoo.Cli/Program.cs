using Spectre.Console;
using Spectre.Console.Cli;
using Zoo.Cli;
using Zoo.Cli.Commands;
using Zoo.Core;
using Zoo.Hosting;

// Global options (--plugins DIR, repeatable; --device cpu|cuda) are read before the command line is parsed,
// because the plugins found decide which commands exist.
var (rest, pluginDirs, device, threads) = HostOptions.Extract(args);
if (threads is int n)   // libtorch intra-op threads; on a busy machine 1 is often fastest for small models
    TorchSharp.torch.set_num_threads(n);
if (Console.IsOutputRedirected)   // logs and pipes: do not wrap at 80 columns
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;
try
{
    ZooRuntime.Device = ZooDevices.Parse(device);
}
catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
    return 2;
}

var catalog = PluginCatalog.Discover(PluginCatalog.DefaultRoots(pluginDirs));
ZooRuntime.Catalog = catalog;
HostState.Catalog = catalog;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("zoo");
    config.PropagateExceptions();
    config.AddCommand<ListCommand>("list").WithDescription("List the plugins found (name, version, task, paper) and those that failed to load.");
    config.AddCommand<InfoCommand>("info").WithDescription("Show a component's card and its configuration with defaults.");
    config.AddCommand<ConvertCommand>("convert").WithDescription("Turn reference PyTorch weights (.pth state_dict or .safetensors) into a Zoo checkpoint folder.");
    config.AddCommand<VerifyCommand>("verify").WithDescription("Check a model against a parity fixture (or a folder of them).");
    PluginCommands.Register(config, catalog);
});
HostState.Dispatch = a => app.Run(a);

try
{
    return app.Run(rest);
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    var e = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
    if (e is CommandParseException or CommandRuntimeException)
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    else if (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or ArgumentException or InvalidOperationException or NotSupportedException)
        AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    else
        AnsiConsole.WriteException(e, ExceptionFormats.ShortenEverything);
    return 1;
}
