using System.Text.RegularExpressions;
using Zoo.Hosting;

namespace Zoo.Cli.Tests;

/// <summary>
/// Every recipe command line the READMEs document parses and binds on today's host (<c>--dry-run</c>: the options
/// are bound and printed, nothing runs). Old spellings stay documented, so this keeps them working.
/// </summary>
[TestClass]
public sealed partial class ReadmeCommandTests
{
    private static readonly string[] RecipeVerbs = ["train", "eval", "predict", "embed", "bench", "demo", "tile", "continual", "forget"];

    /// <summary>(file, line) of every <c>zoo VERB ...</c> line inside a code block of a README.</summary>
    public static IEnumerable<object[]> Lines()
    {
        var readmes = new[] { Repo.Path("README.md") }.Concat(Directory.EnumerateFiles(Repo.Path("plugins"), "README.md", SearchOption.AllDirectories));
        foreach (var file in readmes)
        {
            bool code = false;
            foreach (var raw in File.ReadLines(file))
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal)) { code = !code; continue; }
                if (!code) continue;
                var line = raw.Split(" #")[0].Trim();
                if (line.StartsWith("$ ", StringComparison.Ordinal)) line = line[2..];
                if (!line.StartsWith("zoo ", StringComparison.Ordinal) || line.Contains("...") || line.Contains('|') || line.Contains('[') || line.Contains('<')
                    || line.Contains("--help")) continue;
                var words = Words().Matches(line).Select(m => m.Value.Trim('"', '\'')).Skip(1).ToArray();
                var verb = words.FirstOrDefault(w => !w.StartsWith('-'));
                if (verb != null && RecipeVerbs.Contains(verb)) yield return [Path.GetRelativePath(Repo.Root, file), line];
            }
        }
    }

    /// <summary>The host's plugins and the test plugins (the README's <c>zoo demo linear@1.0.0</c>).</summary>
    private static readonly Lazy<ZooApp> App = new(() => ZooApp.Build(PluginCatalog.Discover(
        [Path.Combine(Path.GetDirectoryName(ZooProcess.ZooDll)!, "plugins"), Repo.Path("artifacts", "testplugins")])));

    [TestMethod]
    [DynamicData(nameof(Lines))]
    public void ReadmeCommandLine_BindsOnTheHost(string file, string line)
    {
        var args = Words().Matches(line).Select(m => m.Value.Trim('"', '\'')).Skip(1).Append("--dry-run").ToArray();
        var output = new StringWriter();
        var rc = App.Value.Run(args, output);
        Assert.AreEqual(0, rc, $"{file}: `{line}`\n{output}");
        StringAssert.Contains(output.ToString(), "\"options\"", $"{file}: `{line}` did not reach a recipe:\n{output}");
    }

    [TestMethod]
    public void TheReadmesDocumentEveryPluginsVerbs() => Assert.IsGreaterThan(30, Lines().Count());

    [GeneratedRegex("\"[^\"]*\"|'[^']*'|\\S+")]
    private static partial Regex Words();
}
