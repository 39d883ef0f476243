using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using Zoo.Core;
using Zoo.Core.Checkpoints;
using Zoo.Core.Fixtures;

namespace Zoo.Cli.Commands;

/// <summary>
/// Loads a parity fixture's <c>model.*</c> tensors into the model built from the sidecar config, runs
/// <c>input.*</c> and prints the max absolute error of each <c>output.*</c> (shared/fixtures/README.md).
/// </summary>
public sealed class VerifyCommand : Command<VerifyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FIXTURE>")]
        [Description("A fixture .safetensors file (with its .json sidecar), or a folder of them.")]
        public string Fixture { get; init; } = "";

        [CommandOption("--model <NAME>")]
        [Description("Model to check (name or name@version); default: the sidecar's \"model\".")]
        public string? Model { get; init; }

        [CommandOption("--tol <TOL>")]
        [Description("Largest allowed absolute error.")]
        [DefaultValue(1e-4)]
        public double Tolerance { get; init; } = 1e-4;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var files = Directory.Exists(settings.Fixture)
            ? Directory.EnumerateFiles(settings.Fixture, "*.safetensors", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [settings.Fixture];
        if (files.Count == 0) throw new FileNotFoundException($"{settings.Fixture}: no .safetensors fixtures in this folder.");
        var table = new Table().AddColumns("fixture", "model", "output", "max abs error", "result");
        bool allPass = true;
        foreach (var file in files)
        {
            var results = Verify(file, settings.Model);
            foreach (var (model, output, error) in results)
            {
                bool pass = error <= settings.Tolerance;
                allPass &= pass;
                table.AddRow(Markup.Escape(Path.GetFileName(file)), Markup.Escape(model), Markup.Escape(output),
                    error.ToString("E2", CultureInfo.InvariantCulture), pass ? "[green]pass[/]" : "[red]FAIL[/]");
            }
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"tolerance {settings.Tolerance.ToString("E1", CultureInfo.InvariantCulture)}: {(allPass ? "all outputs match" : "some outputs differ")}");
        return allPass ? 0 : 1;
    }

    public static List<(string Model, string Output, double Error)> Verify(string file, string? modelName)
    {
        using var fixture = ParityFixture.Load(file);
        var name = modelName ?? fixture.Model;
        if (string.IsNullOrEmpty(name)) throw new InvalidDataException($"{file}: the sidecar names no \"model\"; pass --model NAME.");
        var component = HostState.Catalog.Require<IModelFactory>(name);
        var factory = component.Create();
        using var scope = torch.NewDisposeScope();
        var config = factory.FixtureConfig(fixture);
        using var model = factory.CreateModel(config);
        if (fixture.Weights.Count > 0 || model.state_dict().Count > 0)
            StateDict.Load(model, fixture.Weights, $"{file} (model.*)", strict: true);
        model.eval();
        using var noGrad = torch.no_grad();
        var outputs = factory.RunFixture(model, fixture);
        return fixture.Compare(outputs).Select(kv => ($"{component.Name}@{component.Version.ToString(3)}", kv.Key, kv.Value)).ToList();
    }
}
