using Microsoft.Win32.SafeHandles;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// JPEG passthrough: turns one compressed tile of a TIFF-JPEG level (TIFF Technical Note 2, compression 7) into a
/// standalone JPEG file without decoding: SOI + the shared JPEGTables (quantisation/Huffman, tag 347) + the tile's
/// own stream. RGB-photometric tiles get an Adobe APP14 marker (transform 0) so decoders do not treat them as YCbCr.
/// </summary>
public sealed class TiffJpegTiles
{
    private readonly string _path;
    private readonly TiffDirectory _dir;
    private readonly byte[] _prefix;

    public TiffJpegTiles(string path, TiffDirectory dir)
    {
        _path = path;
        _dir = dir;
        var pre = new List<byte>();
        if (dir.JpegTables is { Length: > 4 } t && t[0] == 0xFF && t[1] == 0xD8)
        {
            int end = t.Length >= 2 && t[^2] == 0xFF && t[^1] == 0xD9 ? t.Length - 2 : t.Length;
            pre.AddRange(t.AsSpan(2, end - 2).ToArray());
        }
        if (dir.Photometric == 2)
            pre.AddRange([0xFF, 0xEE, 0x00, 0x0E, (byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);
        _prefix = pre.ToArray();
    }

    public int TileWidth => _dir.TileWidth;
    public int TileHeight => _dir.TileHeight;
    public int Width => _dir.Width;
    public int Height => _dir.Height;

    /// <summary>Standalone JPEG bytes of the tile at column <paramref name="col"/>, row <paramref name="row"/>.</summary>
    public byte[] Read(SafeFileHandle handle, int col, int row)
    {
        if ((uint)col >= (uint)_dir.TilesAcross || (uint)row >= (uint)_dir.TilesDown)
            throw new ArgumentOutOfRangeException(nameof(col), $"{_path}: tile ({col},{row}) outside the {_dir.TilesAcross}x{_dir.TilesDown} grid");
        int i = row * _dir.TilesAcross + col;
        long off = _dir.TileOffsets[i], n = _dir.TileByteCounts[i];
        if (n < 4 || n > 64 << 20) throw new SlideReadException(_path, $"tile {i} has {n} compressed bytes (corrupt file)");
        var result = new byte[n + _prefix.Length];
        var body = result.AsSpan(_prefix.Length);
        int got = RandomAccess.Read(handle, body[..(int)n], off);
        if (got != n) throw new SlideReadException(_path, $"tile {i}: read {got} of {n} bytes at offset {off} (truncated file)");
        // body starts with SOI. Layout wanted: SOI + prefix + body[2..], which has the same length as prefix + body, and
        // body[2..] already sits at 2 + prefix: only the first 2 + prefix bytes need writing (they cover the body's SOI).
        if (body[0] != 0xFF || body[1] != 0xD8) throw new SlideReadException(_path, $"tile {i} is not a JPEG stream (no SOI marker)");
        result[0] = 0xFF; result[1] = 0xD8;
        _prefix.CopyTo(result.AsSpan(2));
        return result;
    }

    public SafeFileHandle OpenHandle() => File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
}
