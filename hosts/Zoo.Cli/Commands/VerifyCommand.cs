using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Zoo.Cli.Services;
using Zoo.Hosting;

namespace Zoo.Cli.Commands;

/// <summary><c>zoo verify FIXTURE|DIR</c>: parity against the reference implementation, one row per output.</summary>
public static class VerifyCommand
{
    public static Command Create(PluginCatalog catalog)
    {
        var fixture = new Argument<string>("FIXTURE") { Description = "A fixture .safetensors file (with its .json sidecar), or a folder of them." };
        var model = new Option<string?>("--model") { Description = "Model to check (name or name@version); default: the sidecar's \"model\"." };
        var tol = new Option<double>("--tol") { Description = "Largest allowed absolute error.", DefaultValueFactory = _ => 1e-4 };
        var cmd = new Command("verify", "Check a model against a parity fixture (or a folder of them).") { fixture, model, tol };
        cmd.SetAction(p => Run(catalog, p.GetValue(fixture)!, p.GetValue(model), p.GetValue(tol)));
        return cmd;
    }

    private static int Run(PluginCatalog catalog, string path, string? model, double tolerance)
    {
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.safetensors", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [path];
        if (files.Count == 0) throw new FileNotFoundException($"{path}: no .safetensors fixtures in this folder.");
        var table = new Table().AddColumns("fixture", "model", "output", "max abs error", "result");
        bool allPass = true;
        foreach (var file in files)
            foreach (var (name, output, error) in FixtureVerifier.Verify(catalog, file, model))
            {
                bool pass = error <= tolerance;   // NaN fails
                allPass &= pass;
                table.AddRow(Markup.Escape(Path.GetFileName(file)), Markup.Escape(name), Markup.Escape(output),
                    error.ToString("E2", CultureInfo.InvariantCulture), pass ? "[green]pass[/]" : "[red]FAIL[/]");
            }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"tolerance {tolerance.ToString("E1", CultureInfo.InvariantCulture)}: {(allPass ? "all outputs match" : "some outputs differ")}");
        return allPass ? 0 : 1;
    }
}
