namespace Zoo.Core;

/// <summary>
/// A command a plugin adds to the <c>zoo</c> host, e.g. verb "train", model "informer".
/// <see cref="CommandType"/> is a Spectre.Console.Cli command type (the host shares Spectre.Console with plugins),
/// so Zoo.Core itself needs no command-line library.
/// </summary>
public sealed record ZooCommand(string Verb, string Model, Type CommandType, string Description);

/// <summary>Exported by plugins that add commands (contract <c>typeof(IZooCommandProvider)</c>).</summary>
public interface IZooCommandProvider
{
    IEnumerable<ZooCommand> Commands { get; }
}

/// <summary>What the host offers plugins at run time: other plugins (by contract) and the chosen device.</summary>
public interface IZooCatalog
{
    /// <summary>Factories of every model of a task (null: all), newest version of each.</summary>
    IReadOnlyList<(ZooMetadata Metadata, Version Version, IModelFactory Factory)> Models(string? task = null);

    /// <summary>Finds a component by name or <c>name@version</c>; throws <see cref="KeyNotFoundException"/> (listing what exists) when absent.</summary>
    T Get<T>(string nameOrNameAtVersion) where T : class;
}

/// <summary>Ambient host services for plugin commands; set by the host at start.</summary>
public static class ZooRuntime
{
    public static IZooCatalog? Catalog { get; set; }

    public static TorchSharp.torch.Device Device { get; set; } = TorchSharp.torch.CPU;
}
