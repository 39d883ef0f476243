using System.Diagnostics;

namespace Zoo.Cli.Tests;

/// <summary>Runs the built zoo host as a separate process, as a user would.</summary>
public static class ZooProcess
{
    public static string RepoRoot => Repo.Root;

    /// <summary>The zoo host built for the same configuration as these tests.</summary>
    public static string ZooDll
    {
        get
        {
            var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;   // bin/<Configuration>/net10.0/
            var path = Path.Combine(RepoRoot, "hosts", "Zoo.Cli", "bin", config, "net10.0", "zoo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path}: build hosts/Zoo.Cli first.");
        }
    }

    public static (int ExitCode, string Output) Run(string workingDir, IDictionary<string, string?>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDir };
        psi.ArgumentList.Add(ZooDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "240";
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["ZOO_PLUGINS"] = null;
        if (env != null)
            foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"zoo {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public static (int ExitCode, string Output) Run(params string[] args) => Run(RepoRoot, null, args);
}
