// Tiling a slide with the WholeSlideTiler API (what `zoo tile wsi` does), or running `zoo bench wsi` without the host.
//   dotnet run --project samples/WholeSlide -- tile SLIDE|FOLDER OUT [MPP]
//   dotnet run --project samples/WholeSlide -- demo OUT          (generates a synthetic slide first)
//   dotnet run --project samples/WholeSlide -- bench [large|small|WxH] [WORKDIR]
using Zoo.Plugins.WholeSlide;

if (args.Length == 0)
{
    Console.WriteLine("usage: tile SLIDE|FOLDER OUT [MPP] | demo OUT | bench [large|small|WxH] [WORKDIR]");
    return 2;
}
switch (args[0])
{
    case "bench":
    {
        string size = args.Length > 1 ? args[1] : "large";
        var (w, h) = size switch { "large" => (40000, 30000), "small" => (4000, 3000), _ => (int.Parse(size.Split('x')[0]), int.Parse(size.Split('x')[1])) };
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
        return Tile(args[1], args[2], args.Length > 3 && args[3] != "-" ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : null,
            passthrough: !(args.Length > 4 && args[4] == "decode"));
    default:
        Console.Error.WriteLine($"unknown command {args[0]}");
        return 2;
}

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
