using NetVips;
using Zoo.Core;
using Zoo.Core.Checkpoints;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Quality-control pictures: the tissue mask and the thumbnail with the mask tinted, its outline and the kept tile grid.</summary>
public static class QcImages
{
    public static void WriteMaskPng(string path, TissueMask mask)
    {
        using var img = Image.NewFromMemory(mask.Data, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar);
        WritePng(path, img);
    }

    /// <summary>Thumbnail with tissue tinted green, mask outline in dark green and each kept tile outlined in blue.</summary>
    public static void WriteOverlayPng(string path, byte[] thumbRgb, TissueMask mask, TileGrid grid, IEnumerable<TileCoord> kept)
    {
        int w = mask.Width, h = mask.Height;
        var o = (byte[])thumbRgb.Clone();
        var m = mask.Data;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (m[i] == 0) continue;
                bool edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || m[i - 1] == 0 || m[i + 1] == 0 || m[i - w] == 0 || m[i + w] == 0;
                if (edge) { o[3 * i] = 0; o[3 * i + 1] = 110; o[3 * i + 2] = 0; }
                else { o[3 * i] = (byte)(o[3 * i] * 3 / 4); o[3 * i + 1] = (byte)(o[3 * i + 1] * 3 / 4 + 64); o[3 * i + 2] = (byte)(o[3 * i + 2] * 3 / 4); }
            }
        foreach (var t in kept)
        {
            int x0 = (int)Math.Floor(t.X / mask.ScaleX), y0 = (int)Math.Floor(t.Y / mask.ScaleY);
            int x1 = (int)Math.Ceiling((t.X + grid.Extent0) / mask.ScaleX) - 1, y1 = (int)Math.Ceiling((t.Y + grid.Extent0) / mask.ScaleY) - 1;
            for (int x = x0; x <= x1; x++) { Put(o, w, h, x, y0); Put(o, w, h, x, y1); }
            for (int y = y0; y <= y1; y++) { Put(o, w, h, x0, y); Put(o, w, h, x1, y); }
        }
        using var img = Image.NewFromMemory(o, w, h, 3, Enums.BandFormat.Uchar);
        WritePng(path, img);
    }

    private static void Put(byte[] o, int w, int h, int x, int y)
    {
        if (x < 0 || y < 0 || x >= w || y >= h) return;
        int i = 3 * (y * w + x);
        o[i] = 30; o[i + 1] = 60; o[i + 2] = 230;
    }

    private static void WritePng(string path, Image img)
    {
        var bytes = img.PngsaveBuffer(compression: 6);
        AtomicFile.Write(path, fs => fs.Write(bytes));
    }
}
