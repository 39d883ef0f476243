using System.Globalization;
using NetVips;
using Zoo.Core.Checkpoints;
using Zoo.Toolkit.Plots;

namespace Zoo.Plugins.WholeSlide;

/// <summary>
/// Quality-control pictures. <c>mask.png</c> is the tissue mask itself (one band, 0/255, one pixel per mask cell: data
/// for other tools, like the tiles); <c>mask-plot.png</c> is the same mask as a plot (PlotWriter: title, axes in level-0
/// pixels); <c>overlay.png</c> is a slide thumbnail (an image, not a plot) with the mask tinted, its outline and the
/// kept tile grid.
/// </summary>
public static class QcImages
{
    /// <summary>The binary mask as a one-band PNG, pixel for pixel.</summary>
    public static void WriteMaskPng(string path, TissueMask mask)
    {
        using var img = Image.NewFromMemory(mask.Data, mask.Width, mask.Height, 1, Enums.BandFormat.Uchar);
        WritePng(path, img);
    }

    /// <summary>The mask as a plot over level-0 pixel coordinates (1 = tissue), titled with the slide, threshold and tissue share.</summary>
    public static void WriteMaskPlot(string path, string slideName, TissueMask mask)
    {
        var values = new double[mask.Height, mask.Width];
        for (int y = 0; y < mask.Height; y++)
            for (int x = 0; x < mask.Width; x++)
                values[y, x] = mask.Data[y * mask.Width + x] != 0 ? 1 : 0;
        string title = string.Format(CultureInfo.InvariantCulture, "{0}: tissue mask (saturation > {1}, {2:P1} tissue)",
            slideName, mask.Threshold, mask.TissueFraction);
        PlotWriter.Raster(path, title, "x (level-0 px)", "y (level-0 px)", values, mask.Width * mask.ScaleX, mask.Height * mask.ScaleY,
            colorbarLabel: "tissue (1) / background (0)", grayscale: true);
    }

    /// <summary>Thumbnail with tissue tinted green, mask outline in dark green and each kept tile outlined in blue.</summary>
    public static void WriteOverlayPng(string path, byte[] thumbRgb, TissueMask mask, TileGrid grid,
        IEnumerable<TileCoord> kept)
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
                else
                {
                    o[3 * i] = (byte)(o[3 * i] * 3 / 4);
                    o[3 * i + 1] = (byte)(o[3 * i + 1] * 3 / 4 + 64);
                    o[3 * i + 2] = (byte)(o[3 * i + 2] * 3 / 4);
                }
            }
        foreach (var t in kept)
        {
            int x0 = (int)Math.Floor(t.X / mask.ScaleX), y0 = (int)Math.Floor(t.Y / mask.ScaleY);
            int x1 = (int)Math.Ceiling((t.X + grid.Extent0) / mask.ScaleX) - 1;
            int y1 = (int)Math.Ceiling((t.Y + grid.Extent0) / mask.ScaleY) - 1;
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
