using System.Text.RegularExpressions;

namespace Zoo.Cli.Tests;

/// <summary>
/// Every plugin of the repository packs to its own NuGet package with Zoo.Core and the toolkit as package
/// dependencies; a fresh project outside the repository references all of them from a local feed, restores, and
/// builds and runs every exported model (its smallest preset, on an example input from its task interface) and
/// creates every other export (learners, unlearners, recipe providers such as the tiler's).
/// </summary>
[TestClass]
public sealed partial class PluginPackageTests
{
    [TestMethod]
    public void EveryPluginPackage_RestoresIntoAFreshProject_AndRuns()
    {
        var repo = ZooProcess.RepoRoot;
        var work = Directory.CreateTempSubdirectory("zoo-plugin-packs-").FullName;
        try
        {
            var projects = new[] { "core/Zoo.Core/Zoo.Core.csproj", "core/Zoo.Toolkit/Zoo.Toolkit.csproj", "core/Zoo.Continual/Zoo.Continual.csproj" }
                .Concat(Directory.EnumerateFiles(Path.Combine(repo, "plugins"), "*.csproj", SearchOption.AllDirectories)
                    .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                    .Select(p => Path.GetRelativePath(repo, p)))
                .ToList();
            var feed = PackageTests.PackInto(work, projects);
            var plugins = Directory.EnumerateFiles(feed, "Zoo.Plugins.*.nupkg").Select(f => PackageName().Match(Path.GetFileName(f)))
                .Select(m => (Id: m.Groups[1].Value, Version: m.Groups[2].Value)).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
            Assert.IsGreaterThanOrEqualTo(17, plugins.Count, "one package per plugin: " + string.Join(", ", plugins.Select(p => p.Id)));

            var app = Path.Combine(work, "app");
            Directory.CreateDirectory(app);
            PackageTests.WriteNugetConfig(app, feed);
            File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings>
                    <RestorePackagesPath>{Path.Combine(work, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                {string.Join("\n", plugins.Select(p => $"    <PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />"))}
                    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System.Reflection;
                using Zoo.Core;
                using static TorchSharp.torch;
                // Every plugin assembly this project restored, and every [ZooExport] in it.
                var assemblies = Directory.EnumerateFiles(AppContext.BaseDirectory, "Zoo.Plugins.*.dll").Select(Assembly.LoadFrom).ToList();
                var exports = assemblies.SelectMany(a => a.GetTypes()).Select(t => (Type: t, Attr: t.GetCustomAttribute<ZooExportAttribute>()))
                    .Where(x => x.Attr != null && !x.Type.IsAbstract).ToList();
                var catalog = new InMemoryCatalog();
                foreach (var (type, attr) in exports)
                    catalog.Add(attr!.ContractType!, new ZooMetadata { Name = attr.Name, Task = attr.Task, Paper = attr.Paper }, () => Activator.CreateInstance(type)!);
                var context = ZooContext.For(catalog);
                foreach (var (type, attr) in exports)
                {
                    using var scope = NewDisposeScope();
                    var plugin = type.Assembly.GetName().Name;
                    switch (Activator.CreateInstance(type))
                    {
                        case IModelFactory f:
                            using (var model = f.CreateModel(f.Presets[0].Config, context))
                            using (no_grad())
                            {
                                model.eval();
                                var (y, expected) = ModelProbe.Run(model);
                                var ok = y.shape.SequenceEqual(expected) && isfinite(y).all().item<bool>();
                                Console.WriteLine($"{plugin} model {attr!.Name}:{f.Presets[0].Name} output [{string.Join(",", y.shape)}] {(ok ? "ok" : "WRONG")}");
                            }
                            break;
                        case IRecipeProvider p:
                            Console.WriteLine($"{plugin} recipes {string.Join(" ", p.Recipes.Select(r => r.Verb + ":" + r.Model))} ok");
                            break;
                        case IContinualLearner l:
                            l.Dispose();
                            Console.WriteLine($"{plugin} learner {attr!.Name} ok");
                            break;
                        case IUnlearner:
                            Console.WriteLine($"{plugin} unlearner {attr!.Name} ok");
                            break;
                    }
                }
                """);
            var (runCode, runOutput) = PackageTests.Dotnet(app, "run");
            Assert.AreEqual(0, runCode, runOutput);
            Assert.IsFalse(runOutput.Contains("WRONG"), runOutput);
            foreach (var (id, _) in plugins)
                StringAssert.Contains(runOutput, id + " ", $"{id} ran nothing:\n{runOutput}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [GeneratedRegex(@"^(Zoo\.Plugins\.[A-Za-z0-9]+)\.(\d+\.\d+\.\d+)\.nupkg$")]
    private static partial Regex PackageName();
}
