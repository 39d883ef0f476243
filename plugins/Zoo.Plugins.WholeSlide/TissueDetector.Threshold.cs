namespace Zoo.Plugins.WholeSlide;

public static partial class TissueDetector
{
    /// <summary>HSV saturation as OpenCV computes it for 8-bit images: (max−min)/max·255.</summary>
    public static byte[] Saturation(byte[] rgb, int w, int h)
    {
        var s = new byte[w * h];
        for (int i = 0; i < s.Length; i++)
        {
            int r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            int mx = Math.Max(r, Math.Max(g, b)), mn = Math.Min(r, Math.Min(g, b));
            s[i] = mx == 0 ? (byte)0 : (byte)((mx - mn) * 255 / mx);
        }
        return s;
    }

    public static int[] Histogram(byte[] v)
    {
        var hist = new int[256];
        foreach (var b in v) hist[b]++;
        return hist;
    }

    /// <summary>Otsu (1979): the threshold t maximising between-class variance of {v ≤ t} and {v &gt; t}.</summary>
    public static int Otsu(int[] hist)
    {
        long total = 0; double sumAll = 0;
        for (int i = 0; i < hist.Length; i++) { total += hist[i]; sumAll += (double)i * hist[i]; }
        if (total == 0) return 0;
        double sumB = 0, best = -1; long wB = 0; int t = 0;
        for (int i = 0; i < hist.Length; i++)
        {
            wB += hist[i];
            if (wB == 0) continue;
            long wF = total - wB;
            if (wF == 0) break;
            sumB += (double)i * hist[i];
            double mB = sumB / wB, mF = (sumAll - sumB) / wF;
            double between = (double)wB * wF * (mB - mF) * (mB - mF);
            if (between > best) { best = between; t = i; }
        }
        return t;
    }
}
