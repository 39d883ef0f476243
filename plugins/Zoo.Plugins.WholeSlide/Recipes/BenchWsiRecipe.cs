using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// <c>zoo bench wsi</c>: the tiler against libvips dzsave --skip-blanks on a generated slide (time, peak memory, % of
/// the JPEG decode+encode ceiling); see <see cref="WholeSlideBench"/>.
/// </summary>
public sealed class BenchWsiRecipe() : Recipe<BenchWsiOptions>(ZooVerbs.Bench, "wsi",
    "Benchmark the tiler against libvips dzsave --skip-blanks on a generated slide (time, peak memory, % of the JPEG decode+encode ceiling)")
{
    public override int Run(IZooContext context, CommonOptions common, BenchWsiOptions options)
    {
        var (w, h) = options.ParseSize();
        string work = options.Work ?? common.Out ?? Path.Combine(Path.GetTempPath(), "zoo-bench-wsi");
        int workers = options.Workers ?? common.Threads ?? Environment.ProcessorCount;
        IReadOnlyList<string> report;
        using (var task = context.Progress.Start($"bench wsi {w}x{h}", 0))
            report = WholeSlideBench.Run(w, h, work, workers, options.Keep, line =>
            {
                task.Describe(line);
                context.Output.Line(line);
            });
        context.Output.Line("");
        foreach (var line in report) context.Output.Line(line);
        return 0;
    }
}
