using System.ComponentModel;
using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Options of <c>zoo bench wsi</c>.</summary>
public sealed class BenchWsiOptions
{
    [Description("large (40000x30000), small (4000x3000) or WxH")] public string Size { get; set; } = "large";

    [Description("Scratch folder for the generated slide and outputs (default: --out, else temp)")] public string? Work { get; set; }

    [Description("Parallel workers (default: --threads, else all cores)")] public int? Workers { get; set; }

    [Description("Keep the outputs")] public bool Keep { get; set; }

    /// <summary>Width and height of the generated slide.</summary>
    public (int Width, int Height) ParseSize()
    {
        switch (Size)
        {
            case "large": return (40000, 30000);
            case "small": return (4000, 3000);
        }
        var p = Size.ToLowerInvariant().Split('x');
        if (p.Length == 2 && int.TryParse(p[0], out var a) && int.TryParse(p[1], out var b) && a > 0 && b > 0) return (a, b);
        throw new ArgumentException($"--size must be large, small or WxH, not '{Size}'");
    }
}
