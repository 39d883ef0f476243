// Tiling a slide with the WholeSlideTiler API (what `zoo tile wsi` does), or running `zoo bench wsi` without the host.
// (The recipes behind the zoo verbs, TileWsiRecipe and BenchWsiRecipe, take an IZooContext; ZooContext's CPU device
// loads libtorch, which this sample does not ship, so it calls the library API directly.)
//   dotnet run --project samples/WholeSlide -- tile SLIDE|FOLDER OUT [MPP|-] [decode]
//   dotnet run --project samples/WholeSlide -- demo OUT          (generates a synthetic slide first)
//   dotnet run --project samples/WholeSlide -- bench [large|small|WxH] [WORKDIR]
using System.Globalization;
using Zoo.Plugins.WholeSlide;

if (args.Length == 0)
{
    Console.WriteLine("usage: tile SLIDE|FOLDER OUT [MPP|-] [decode] | demo OUT | bench [large|small|WxH] [WORKDIR]");
    return 2;
}
switch (args[0])
{
    case "bench":
    {
        var (w, h) = new BenchWsiOptions { Size = args.Length > 1 ? args[1] : "large" }.ParseSize();
        string work = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "zoo-bench-wsi");
        var lines = WholeSlideBench.Run(w, h, work, Environment.ProcessorCount, keep: false, Console.WriteLine);
        Console.WriteLine();
        foreach (var l in lines) Console.WriteLine(l);
        return 0;
    }
    case "demo":
    {
        Directory.CreateDirectory(args[1]);
        string slide = Path.Combine(args[1], "demo.tif");
        SyntheticSlide.Generate(slide, new SyntheticSlideSpec { Width = 8192, Height = 6144 });
        return Tile(slide, args[1], 0.5);
    }
    case "tile":
        return Tile(args[1], args[2], Mpp(args, 3), passthrough: !(args.Length > 4 && args[4] == "decode"));
    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}

static double? Mpp(string[] args, int i) => args.Length > i && args[i] != "-" ? double.Parse(args[i], CultureInfo.InvariantCulture) : null;

static int Tile(string input, string outDir, double? mpp, bool passthrough = true)
{
    var options = new TilerOptions { Grid = new GridOptions { Mpp = mpp, TileSize = 256 }, MinTissueFraction = 0.25, Passthrough = passthrough };
    var progress = new Progress<TilerProgress>(p => Console.Write($"\r{Path.GetFileName(p.Slide)} {p.Done}/{p.Total} tiles, {p.TilesPerSecond:F0} tiles/s   "));
    var results = Directory.Exists(input)
        ? WholeSlideTiler.RunBatch(input, outDir, options, progress)
        : [WholeSlideTiler.Run(input, outDir, options, progress)];
    Console.WriteLine();
    foreach (var r in results)
        Console.WriteLine($"{r.Name}: {r.Status} {r.KeptTiles}/{r.GridTiles} tiles at level {r.Level} ({r.TileMpp:G4} µm/px, mpp from {r.MppSource}) {r.Error}");
    return results.Any(r => r.Status == "failed") ? 1 : 0;
}
