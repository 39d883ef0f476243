namespace Zoo.Plugins.WholeSlide;

/// <summary>Mask clean-up after thresholding: median blur, closing, and removing specks / filling small holes by area.</summary>
public static partial class TissueDetector
{
    /// <summary>Median filter with a k×k window (edges replicated, as OpenCV's medianBlur), histogram sliding per row.</summary>
    public static byte[] MedianBlur(byte[] src, int w, int h, int k)
    {
        if (k % 2 == 0) k++;
        int r = k / 2, half = k * k / 2;
        var dst = new byte[w * h];
        var hist = new int[256];
        for (int y = 0; y < h; y++)
        {
            Array.Clear(hist);
            for (int dy = -r; dy <= r; dy++)
            {
                int yy = Math.Clamp(y + dy, 0, h - 1);
                for (int dx = -r; dx <= r; dx++) hist[src[yy * w + Math.Clamp(dx, 0, w - 1)]]++;
            }
            for (int x = 0; x < w; x++)
            {
                if (x > 0)
                {
                    int xo = Math.Clamp(x - r - 1, 0, w - 1), xi = Math.Clamp(x + r, 0, w - 1);
                    for (int dy = -r; dy <= r; dy++)
                    {
                        int row = Math.Clamp(y + dy, 0, h - 1) * w;
                        hist[src[row + xo]]--;
                        hist[src[row + xi]]++;
                    }
                }
                int acc = 0, v = 0;
                for (; v < 256; v++) { acc += hist[v]; if (acc > half) break; }
                dst[y * w + x] = (byte)v;
            }
        }
        return dst;
    }

    /// <summary>Closing (dilate then erode) with a k×k square, separable min/max filters; anchor at k/2 like OpenCV.</summary>
    public static byte[] Close(byte[] m, int w, int h, int k)
    {
        var d = MinMax(m, w, h, k, max: true);
        return MinMax(d, w, h, k, max: false);
    }

    private static byte[] MinMax(byte[] src, int w, int h, int k, bool max)
    {
        int a = k / 2;
        byte outside = max ? (byte)0 : (byte)255;
        var tmp = new byte[w * h];
        var dst = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte acc = max ? (byte)0 : (byte)255;
                for (int i = 0; i < k; i++)
                {
                    int xx = x - a + i;
                    byte v = xx < 0 || xx >= w ? outside : src[y * w + xx];
                    acc = max ? Math.Max(acc, v) : Math.Min(acc, v);
                }
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte acc = max ? (byte)0 : (byte)255;
                for (int i = 0; i < k; i++)
                {
                    int yy = y - a + i;
                    byte v = yy < 0 || yy >= h ? outside : tmp[yy * w + x];
                    acc = max ? Math.Max(acc, v) : Math.Min(acc, v);
                }
                dst[y * w + x] = acc;
            }
        return dst;
    }

    /// <summary>
    /// Foreground: removes 8-connected tissue regions with area &lt; <paramref name="minArea"/>.
    /// Background: fills 4-connected holes (background regions not touching the border) with area &lt; <paramref name="minArea"/>.
    /// </summary>
    public static void RemoveSmallRegions(byte[] m, int w, int h, double minArea, bool foreground)
    {
        byte target = foreground ? (byte)255 : (byte)0;
        var seen = new bool[w * h];
        var queue = new List<int>();
        for (int start = 0; start < m.Length; start++)
        {
            if (seen[start] || m[start] != target) continue;
            queue.Clear();
            queue.Add(start);
            seen[start] = true;
            bool touchesBorder = false;
            for (int qi = 0; qi < queue.Count; qi++)
            {
                int p = queue[qi], px = p % w, py = p / w;
                if (px == 0 || py == 0 || px == w - 1 || py == h - 1) touchesBorder = true;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        if (dx == 0 && dy == 0) continue;
                        if (!foreground && dx != 0 && dy != 0) continue; // 4-connectivity for holes
                        int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int q = ny * w + nx;
                        if (seen[q] || m[q] != target) continue;
                        seen[q] = true;
                        queue.Add(q);
                    }
            }
            bool remove = queue.Count < minArea && (foreground || !touchesBorder);
            if (remove)
                foreach (var p in queue) m[p] = (byte)(255 - target);
        }
    }
}
