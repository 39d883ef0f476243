using System.Globalization;
using CsvHelper;
using PureHDF;
using Zoo.Core;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.WholeSlide;

/// <summary>One kept tile as written to the coordinates CSV (level-0 x,y like CLAM's coords, plus where it was read).</summary>
public sealed record TileRecord(int Col, int Row, long X, long Y, int Level, long LevelX, long LevelY, int SourceSize, int TileSize,
    double TissueFraction, string File);

/// <summary>
/// Coordinates outputs. The HDF5 file mirrors CLAM's <c>create_patches_fp.py</c> output: dataset <c>coords</c> (N×2 int64,
/// level-0 top-left x,y) with attributes <c>patch_size</c> (size read at <c>patch_level</c>), <c>patch_level</c>,
/// <c>downsample</c> (level downsample, x and y), <c>downsampled_level_dim</c>, <c>level_dim</c>, <c>name</c>, <c>save_path</c>;
/// added (ignored by CLAM): <c>mpp</c>, <c>target_patch_size</c>, <c>target_downsample</c>.
/// </summary>
public static class ClamCoordinates
{
    public static void WriteH5(string path, string slideName, TileGrid grid, ISlideReader slide, IReadOnlyList<TileRecord> tiles, string savePath)
    {
        var coords = new long[tiles.Count, 2];
        for (int i = 0; i < tiles.Count; i++) { coords[i, 0] = tiles[i].X; coords[i, 1] = tiles[i].Y; }
        var lv = slide.Levels[grid.Level];
        var ds = new H5Dataset(coords)
        {
            Attributes = new()
            {
                ["patch_size"] = (long)grid.SourceSize,
                ["patch_level"] = (long)grid.Level,
                ["downsample"] = new[] { (double)slide.Levels[0].Width / lv.Width, (double)slide.Levels[0].Height / lv.Height },
                ["downsampled_level_dim"] = new[] { lv.Width, lv.Height },
                ["level_dim"] = new[] { lv.Width, lv.Height },
                ["name"] = slideName,
                ["save_path"] = savePath,
                ["mpp"] = grid.Mpp ?? double.NaN,
                ["target_patch_size"] = (long)grid.TileSize,
                ["target_downsample"] = grid.Downsample,
            },
        };
        var file = new H5File { ["coords"] = ds };
        // PureHDF needs a readable+seekable stream, so write a temp file and rename it (atomic like AtomicFile).
        var full = Path.GetFullPath(path);
        var tmp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            file.Write(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Reads back <c>coords</c> (N×2) from a CLAM-style file.</summary>
    public static long[,] ReadH5Coords(string path)
    {
        using var f = H5File.OpenRead(path);
        return f.Dataset("coords").Read<long[,]>();
    }

    public static readonly string[] CsvHeader = ["x", "y", "col", "row", "level", "level_x", "level_y", "source_size", "tile_size", "tissue_fraction", "file"];

    public static void WriteCsv(string path, IReadOnlyList<TileRecord> tiles)
    {
        var inv = CultureInfo.InvariantCulture;
        AtomicFile.Write(path, fs =>
        {
            using var csv = CsvWriter.Create(fs, null, leaveOpen: true);
            csv.WriteHeader(CsvHeader);
            foreach (var t in tiles)
                csv.WriteRecord([t.X.ToString(inv), t.Y.ToString(inv), t.Col.ToString(inv), t.Row.ToString(inv), t.Level.ToString(inv),
                    t.LevelX.ToString(inv), t.LevelY.ToString(inv), t.SourceSize.ToString(inv), t.TileSize.ToString(inv),
                    Math.Round(t.TissueFraction, 4).ToString(inv), t.File]);
            csv.Flush();
        });
    }
}
