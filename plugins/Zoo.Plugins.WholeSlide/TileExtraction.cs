using System.Collections.Concurrent;
using System.Diagnostics;
using NetVips;

namespace Zoo.Plugins.WholeSlide;

/// <summary>What <see cref="TileExtraction.Extract"/> did: one record per kept tile, and the counts.</summary>
internal sealed record ExtractionResult(TileRecord[] Records, long Written, long Passthrough, long Resumed);

/// <summary>
/// Step 3 of the pipeline: parallel workers read only the kept tiles. JPEG passthrough: when the grid coincides with the
/// file's JPEG tiles the compressed tile is copied (JPEGTables spliced in) without decode/encode. Each tile is written
/// to a temp file and renamed, so resume never sees half a tile.
/// </summary>
internal static class TileExtraction
{
    public static ExtractionResult Extract(string slidePath, ISlideReader slide, TileGrid grid, IReadOnlyList<(TileCoord T, double F)> kept,
        string dir, string name, TilerOptions options, IProgress<TilerProgress>? progress, Stopwatch sw, CancellationToken ct)
    {
        string tilesDir = Path.Combine(dir, "tiles");
        string ext = options.Format switch { TileImageFormat.Png => ".png", _ => ".jpg" };
        var records = new TileRecord[kept.Count];
        long written = 0, resumed = 0, passthrough = 0, done = 0;
        if (options.Format != TileImageFormat.None)
        {
            Directory.CreateDirectory(tilesDir);
            foreach (var tmp in Directory.EnumerateFiles(tilesDir, "*.tmp")) File.Delete(tmp);
        }
        // Grid cells that coincide with the file's JPEG tiles: copied as is (passthrough), or, when re-encoding is
        // wanted (PNG, --no-passthrough), decoded straight from the compressed tile instead of through the TIFF region
        // pipeline.
        var jpegTiles = options.Format != TileImageFormat.None && !grid.Resize && grid.Overlap == 0 ? slide.JpegTiles(grid.Level) : null;
        if (jpegTiles is not null && (jpegTiles.TileWidth != grid.TileSize || jpegTiles.TileHeight != grid.TileSize)) jpegTiles = null;
        bool copyTiles = options.Passthrough && options.Format == TileImageFormat.Jpeg;
        using var handle = jpegTiles?.OpenHandle();

        int workers = Math.Max(1, options.Workers);
        int oldConcurrency = NetVips.NetVips.Concurrency;
        if (workers > 1) NetVips.NetVips.Concurrency = 1; // parallelism comes from our workers, one libvips thread each
        var last = Stopwatch.StartNew();
        try
        {
            Parallel.ForEach(Partitioner.Create(0, kept.Count, Math.Max(1, Math.Min(64, kept.Count / (workers * 8) + 1))),
                new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct },
                range =>
                {
                    for (int i = range.Item1; i < range.Item2; i++)
                    {
                        var (t, f) = kept[i];
                        var (lx, ly) = grid.LevelOrigin(t);
                        string file = options.Format == TileImageFormat.None ? "" : $"{name}_x{t.X}_y{t.Y}{ext}";
                        records[i] = new TileRecord(t.Col, t.Row, t.X, t.Y, grid.Level, lx, ly, grid.SourceSize, grid.TileSize, f,
                            file.Length == 0 ? "" : "tiles/" + file);
                        if (file.Length > 0)
                        {
                            string final = Path.Combine(tilesDir, file);
                            if (options.Resume && File.Exists(final)) Interlocked.Increment(ref resumed);
                            else
                            {
                                bool copied = false;
                                byte[] bytes;
                                if (handle is not null && lx % grid.TileSize == 0 && ly % grid.TileSize == 0
                                    && lx + grid.TileSize <= jpegTiles!.Width && ly + grid.TileSize <= jpegTiles.Height)
                                {
                                    bytes = jpegTiles.Read(handle, (int)(lx / grid.TileSize), (int)(ly / grid.TileSize));
                                    if (copyTiles) copied = true;
                                    else bytes = Reencode(slide.Path, bytes, grid, lx, ly, options);
                                }
                                else bytes = RenderTile(slide, grid, lx, ly, options);
                                string tmp = final + $".{Environment.CurrentManagedThreadId}.tmp";
                                File.WriteAllBytes(tmp, bytes);
                                File.Move(tmp, final, overwrite: true);
                                Interlocked.Increment(ref written);
                                if (copied) Interlocked.Increment(ref passthrough);
                            }
                        }
                        long d = Interlocked.Increment(ref done);
                        if (progress is not null && (d == kept.Count || last.ElapsedMilliseconds > 200))
                        {
                            lock (last)
                            {
                                if (d == kept.Count || last.ElapsedMilliseconds > 200)
                                {
                                    last.Restart();
                                    progress.Report(new TilerProgress(slidePath, d, kept.Count, Interlocked.Read(ref written),
                                        Interlocked.Read(ref resumed), sw.Elapsed));
                                }
                            }
                        }
                    }
                });
        }
        catch (AggregateException ae) when (ae.InnerExceptions.Count > 0)
        {
            var first = ae.InnerExceptions[0];
            if (first is SlideReadException) throw first;
            throw new SlideReadException(slidePath, first.Message, first);
        }
        finally
        {
            if (workers > 1) NetVips.NetVips.Concurrency = oldConcurrency;
        }
        if (kept.Count == 0) progress?.Report(new TilerProgress(slidePath, 0, 0, 0, 0, sw.Elapsed));
        return new ExtractionResult(records, written, passthrough, resumed);
    }

    /// <summary>Reads one tile through libvips (decode → optional resize → encode).</summary>
    internal static byte[] RenderTile(ISlideReader slide, TileGrid grid, long lx, long ly, TilerOptions o)
    {
        try
        {
            using var region = slide.ReadRegion(grid.Level, lx, ly, grid.SourceSize, grid.SourceSize);
            using var sized = grid.Resize ? region.Resize((double)grid.TileSize / grid.SourceSize, kernel: Enums.Kernel.Lanczos3) : region;
            using var exact = sized.Width == grid.TileSize && sized.Height == grid.TileSize
                ? sized
                : VipsSetup.CropPadded(sized, 0, 0, grid.TileSize, grid.TileSize);
            return Encode(exact, o);
        }
        catch (VipsException e)
        {
            throw new SlideReadException(slide.Path,
                $"cannot read the tile at level {grid.Level} ({lx},{ly}): {VipsSlideReader.FirstLine(e.Message)} (corrupt or truncated file)", e);
        }
    }

    /// <summary>Decodes one compressed file tile and encodes it in the output format (no TIFF region pipeline).</summary>
    private static byte[] Reencode(string path, byte[] jpeg, TileGrid grid, long lx, long ly, TilerOptions o)
    {
        try
        {
            using var img = Image.JpegloadBuffer(jpeg, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            return Encode(img, o);
        }
        catch (VipsException e)
        {
            throw new SlideReadException(path,
                $"cannot decode the tile at level {grid.Level} ({lx},{ly}): {VipsSlideReader.FirstLine(e.Message)} (corrupt or truncated file)", e);
        }
    }

    private static byte[] Encode(Image img, TilerOptions o) => o.Format == TileImageFormat.Png
        ? img.PngsaveBuffer(compression: 3)
        : img.JpegsaveBuffer(q: o.JpegQuality, keep: Enums.ForeignKeep.None);
}
