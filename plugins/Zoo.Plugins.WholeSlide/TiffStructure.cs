using System.Buffers.Binary;
using System.Text;

namespace Zoo.Plugins.WholeSlide;

/// <summary>One TIFF image file directory (IFD): the tags the tiler needs to pick pyramid levels, read the
/// resolution, validate tile offsets and copy compressed JPEG tiles (passthrough).</summary>
public sealed class TiffDirectory
{
    public int Index { get; init; }
    public long Offset { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public int SamplesPerPixel { get; init; } = 1;
    public int BitsPerSample { get; init; } = 8;
    public int Compression { get; init; } = 1;
    public int Photometric { get; init; } = -1;
    public int PlanarConfig { get; init; } = 1;
    public long NewSubfileType { get; init; }
    public string? Description { get; init; }
    public double? XResolution { get; init; }
    public double? YResolution { get; init; }
    /// <summary>TIFF ResolutionUnit: 1 none, 2 inch, 3 centimetre (2 when absent, per the TIFF 6.0 default).</summary>
    public int ResolutionUnit { get; init; } = 2;
    public int TileWidth { get; init; }
    public int TileHeight { get; init; }
    public long[] TileOffsets { get; init; } = [];
    public long[] TileByteCounts { get; init; } = [];
    public byte[]? JpegTables { get; init; }
    public long[] SubIfdOffsets { get; init; } = [];
    public List<TiffDirectory> SubIfds { get; } = [];

    public bool IsTiled => TileWidth > 0 && TileHeight > 0;
    public int TilesAcross => IsTiled ? (Width + TileWidth - 1) / TileWidth : 0;
    public int TilesDown => IsTiled ? (Height + TileHeight - 1) / TileHeight : 0;

    /// <summary>TIFF compression 7 (new-style JPEG).</summary>
    public bool IsJpeg => Compression == 7;

    /// <summary>Aperio JPEG 2000 (33003 YCbCr / 33005 RGB): libvips' tiffload cannot decode it.</summary>
    public bool IsJpeg2000 => Compression is 33003 or 33005 or 34712;
}

/// <summary>Minimal classic/BigTIFF directory parser (TIFF 6.0 §2, BigTIFF spec). Reads structure only, never pixels.</summary>
public sealed class TiffStructure
{
    public required string Path { get; init; }
    public required long FileLength { get; init; }
    public required bool BigTiff { get; init; }
    public required IReadOnlyList<TiffDirectory> Directories { get; init; }

    /// <summary>True when the file starts like a TIFF (II*\0, MM\0*, or BigTIFF 43).</summary>
    public static bool LooksLikeTiff(string path)
    {
        Span<byte> h = stackalloc byte[4];
        using var fs = File.OpenRead(path);
        if (fs.Read(h) < 4) return false;
        return (h[0] == 'I' && h[1] == 'I' && (h[2] == 42 || h[2] == 43) && h[3] == 0)
            || (h[0] == 'M' && h[1] == 'M' && h[2] == 0 && (h[3] == 42 || h[3] == 43));
    }

    /// <summary>Parses every IFD (and SubIFDs). Throws <see cref="SlideReadException"/> naming the file on any inconsistency.</summary>
    public static TiffStructure Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        var p = new Parser(fs, path);
        return p.Parse();
    }

    /// <summary>Checks that every tile of a directory lies inside the file (catches truncated downloads).</summary>
    public void ValidateTiles(TiffDirectory d, string what)
    {
        if (!d.IsTiled) return;
        int expected = d.TilesAcross * d.TilesDown * (d.PlanarConfig == 2 ? d.SamplesPerPixel : 1);
        if (d.TileOffsets.Length < expected || d.TileByteCounts.Length < expected)
            throw new SlideReadException(Path, $"{what}: {d.TileOffsets.Length} tile offsets for {expected} tiles (corrupt TIFF directory)");
        for (int i = 0; i < expected; i++)
        {
            long end = d.TileOffsets[i] + d.TileByteCounts[i];
            if (d.TileOffsets[i] < 0 || end > FileLength)
                throw new SlideReadException(Path,
                    $"{what}: tile {i} ends at byte {end} but the file has only {FileLength} bytes (truncated or corrupt file)");
        }
    }

    private sealed class Parser(FileStream fs, string path)
    {
        private bool _le;
        private bool _big;
        private readonly byte[] _buf = new byte[16];

        public TiffStructure Parse()
        {
            long len = fs.Length;
            if (len < 8) throw new SlideReadException(path, $"file is only {len} bytes: not a TIFF");
            ReadAt(0, 4);
            if (_buf[0] == 'I' && _buf[1] == 'I') _le = true;
            else if (_buf[0] == 'M' && _buf[1] == 'M') _le = false;
            else throw new SlideReadException(path, "not a TIFF file (bad byte-order mark)");
            int magic = U16(2);
            long first;
            if (magic == 42) { ReadAt(4, 4); first = U32(0); }
            else if (magic == 43)
            {
                _big = true;
                if (len < 16) throw new SlideReadException(path, "truncated BigTIFF header");
                ReadAt(8, 8); first = (long)U64(0);
            }
            else throw new SlideReadException(path, $"not a TIFF file (magic {magic})");

            var dirs = new List<TiffDirectory>();
            var seen = new HashSet<long>();
            long off = first;
            while (off != 0)
            {
                if (!seen.Add(off)) throw new SlideReadException(path, $"IFD chain loops back to offset {off} (corrupt file)");
                if (dirs.Count > 10_000) throw new SlideReadException(path, "more than 10000 IFDs (corrupt file)");
                var d = ReadIfd(off, dirs.Count, out long next);
                foreach (var so in d.SubIfdOffsets)
                    d.SubIfds.Add(ReadIfd(so, d.SubIfds.Count, out _));
                dirs.Add(d);
                off = next;
            }
            if (dirs.Count == 0) throw new SlideReadException(path, "TIFF has no image directories");
            return new TiffStructure { Path = path, FileLength = len, BigTiff = _big, Directories = dirs };
        }

        private TiffDirectory ReadIfd(long off, int index, out long next)
        {
            long len = fs.Length;
            int countSize = _big ? 8 : 2, entrySize = _big ? 20 : 12, nextSize = _big ? 8 : 4;
            if (off < 8 || off + countSize > len)
                throw new SlideReadException(path, $"IFD {index} at offset {off} lies outside the {len}-byte file (truncated or corrupt)");
            ReadAt(off, countSize);
            long n = _big ? (long)U64(0) : U16(0);
            if (n <= 0 || n > 4096 || off + countSize + n * entrySize + nextSize > len)
                throw new SlideReadException(path, $"IFD {index} at offset {off} has {n} entries and does not fit in the file (truncated or corrupt)");
            var raw = new byte[n * entrySize + nextSize];
            fs.Position = off + countSize;
            fs.ReadExactly(raw);

            int w = 0, h = 0, spp = 1, bps = 8, comp = 1, photo = -1, planar = 1, unit = 2, tw = 0, th = 0;
            long nsf = 0;
            string? desc = null;
            double? xres = null, yres = null;
            long[] tOff = [], tCnt = [], sub = [];
            byte[]? tables = null;
            for (int i = 0; i < n; i++)
            {
                var e = raw.AsSpan(i * entrySize, entrySize);
                int tag = U16(e), type = U16(e[2..]);
                long count = _big ? (long)U64(e[4..]) : U32(e[4..]);
                var valueField = _big ? e.Slice(12, 8) : e.Slice(8, 4);
                switch (tag)
                {
                    case 254: nsf = ReadLongs(type, count, valueField, tag)[0]; break;
                    case 256: w = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 257: h = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 258: bps = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 259: comp = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 262: photo = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 270: desc = Encoding.UTF8.GetString(ReadBytes(type, count, valueField)).TrimEnd('\0'); break;
                    case 277: spp = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 282: xres = ReadRational(type, count, valueField); break;
                    case 283: yres = ReadRational(type, count, valueField); break;
                    case 284: planar = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 296: unit = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 322: tw = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 323: th = (int)ReadLongs(type, count, valueField, tag)[0]; break;
                    case 324: tOff = ReadLongs(type, count, valueField, tag); break;
                    case 325: tCnt = ReadLongs(type, count, valueField, tag); break;
                    case 330: sub = ReadLongs(type, count, valueField, tag); break;
                    case 347: tables = ReadBytes(type, count, valueField); break;
                }
            }
            next = _big ? (long)U64(raw.AsSpan((int)(n * entrySize))) : U32(raw.AsSpan((int)(n * entrySize)));
            if (w <= 0 || h <= 0) throw new SlideReadException(path, $"IFD {index} has no image width/height (corrupt TIFF)");
            return new TiffDirectory
            {
                Index = index, Offset = off, Width = w, Height = h, SamplesPerPixel = spp, BitsPerSample = bps,
                Compression = comp, Photometric = photo, PlanarConfig = planar, NewSubfileType = nsf, Description = desc,
                XResolution = xres, YResolution = yres, ResolutionUnit = unit, TileWidth = tw, TileHeight = th,
                TileOffsets = tOff, TileByteCounts = tCnt, JpegTables = tables, SubIfdOffsets = sub,
            };
        }

        private static int TypeSize(int type) => type switch
        {
            1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 or 16 or 17 or 18 => 8, _ => 1,
        };

        private byte[] ReadBytes(int type, long count, ReadOnlySpan<byte> valueField)
        {
            long size = count * TypeSize(type);
            if (size < 0 || size > 64L << 20) throw new SlideReadException(path, $"TIFF tag of {size} bytes (corrupt directory)");
            if (size <= valueField.Length) return valueField[..(int)size].ToArray();
            long at = _big ? (long)U64(valueField) : U32(valueField);
            if (at < 0 || at + size > fs.Length)
                throw new SlideReadException(path,
                    $"TIFF tag data at offset {at} (+{size} bytes) lies outside the {fs.Length}-byte file (truncated or corrupt)");
            var data = new byte[size];
            fs.Position = at;
            fs.ReadExactly(data);
            return data;
        }

        private long[] ReadLongs(int type, long count, ReadOnlySpan<byte> valueField, int tag)
        {
            if (count <= 0) throw new SlideReadException(path, $"TIFF tag {tag} has no values (corrupt directory)");
            var data = ReadBytes(type, count, valueField);
            var res = new long[count];
            int sz = TypeSize(type);
            for (int i = 0; i < count; i++)
            {
                var s = data.AsSpan(i * sz, sz);
                res[i] = type switch
                {
                    1 or 7 => s[0],
                    3 => U16(s),
                    4 or 13 => U32(s),
                    16 or 18 => (long)U64(s),
                    _ => throw new SlideReadException(path, $"TIFF tag {tag} has unexpected type {type} (corrupt directory)"),
                };
            }
            return res;
        }

        private double? ReadRational(int type, long count, ReadOnlySpan<byte> valueField)
        {
            if (type != 5 || count < 1) return null;
            var data = ReadBytes(type, 1, valueField);
            double num = U32(data), den = U32(data.AsSpan(4));
            return den == 0 ? null : num / den;
        }

        private void ReadAt(long off, int n)
        {
            fs.Position = off;
            fs.ReadExactly(_buf, 0, n);
        }

        private int U16(int at) => U16(_buf.AsSpan(at));
        private long U32(int at) => U32(_buf.AsSpan(at));
        private ulong U64(int at) => U64(_buf.AsSpan(at));
        private int U16(ReadOnlySpan<byte> s) => _le ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);
        private long U32(ReadOnlySpan<byte> s) => _le ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
        private ulong U64(ReadOnlySpan<byte> s) => _le ? BinaryPrimitives.ReadUInt64LittleEndian(s) : BinaryPrimitives.ReadUInt64BigEndian(s);
    }
}
