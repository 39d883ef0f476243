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

    /// <summary>
    /// (file, line) of every <c>zoo VERB ...</c> command in a README: in fenced or indented code blocks (continuation
    /// lines ending in a backslash joined) and in inline code spans. Lines with placeholders (<c>[...]</c>, <c>A|B</c>,
    /// <c>&lt;X&gt;</c>, <c>...</c>) and help requests are left out.
    /// </summary>
    public static IEnumerable<object[]> Lines()
    {
        var readmes = new[] { Repo.Path("README.md") }.Concat(Directory.EnumerateFiles(Repo.Path("plugins"), "README.md", SearchOption.AllDirectories));
        foreach (var file in readmes)
        {
            var commands = new List<string>();
            bool fenced = false;
            string pending = "";
            foreach (var raw in File.ReadLines(file))
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal)) { fenced = !fenced; continue; }
                if (fenced || raw.StartsWith("    ", StringComparison.Ordinal))
                {
                    var line = pending + raw.Split(" #")[0].Trim();
                    if (line.EndsWith('\\')) { pending = line[..^1] + " "; continue; }
                    pending = "";
                    commands.Add(line.StartsWith("$ ", StringComparison.Ordinal) ? line[2..] : line);
                }
                else commands.AddRange(Inline().Matches(raw).Select(m => m.Groups[1].Value));
            }
            foreach (var line in commands.Select(c => c.Trim()).Distinct())
            {
                if (!line.StartsWith("zoo ", StringComparison.Ordinal) || line.Contains("...") || line.Contains('|') || line.Contains('[') || line.Contains('<')
                    || line.Contains("--help")) continue;
                // A runnable line names a verb and a model (or is the bare `zoo demo`); `zoo continual LEARNER` is prose.
                var words = Words().Matches(line).Select(m => m.Value).Skip(1).Where(w => !w.StartsWith('-')).ToList();
                if (words.Count == 0 || !RecipeVerbs.Contains(words[0])) continue;
                if (words.Count == 1 ? line.Trim() != "zoo demo" : words[1].ToUpperInvariant() == words[1] && words[1].Any(char.IsLetter)) continue;
                yield return [Path.GetRelativePath(Repo.Root, file), line];
            }
        }
    }

    [GeneratedRegex("`(zoo [^`]+)`")]
    private static partial Regex Inline();

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
    public void TheReadmesDocumentEveryPluginsVerbs() => Assert.IsGreaterThan(50, Lines().Count());

    [GeneratedRegex("\"[^\"]*\"|'[^']*'|\\S+")]
    private static partial Regex Words();
}
