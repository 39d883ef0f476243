using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Zoo.Toolkit.Vision;

namespace Zoo.Toolkit.Data;

/// <summary>
/// Images in a folder per class (<c>root/&lt;class&gt;/*.png|jpg|jpeg|bmp|gif</c>), decoded with ImageSharp on demand.
/// Unreadable images are reported by path and skipped, or rejected with an error, as <see cref="BadImagePolicy"/> says;
/// <see cref="Open"/> can decode everything once up front so bad files are found before a run starts.
/// </summary>
public sealed class ImageFolderDataset : IImageSource
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif"];

    private readonly List<(string Path, int Label)> _items;
    private readonly List<BadImage> _bad = [];
    private readonly HashSet<string> _reported = [];

    private ImageFolderDataset(string root, IReadOnlyList<string> classes, List<(string, int)> items, BadImagePolicy policy, Action<BadImage>? onBadImage)
    {
        Root = root;
        ClassNames = classes;
        _items = items;
        Policy = policy;
        OnBadImage = onBadImage;
    }

    public string Root { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public BadImagePolicy Policy { get; }

    /// <summary>Called once for every image left out (Skip policy).</summary>
    public Action<BadImage>? OnBadImage { get; }

    /// <summary>Images left out so far.</summary>
    public IReadOnlyList<BadImage> BadImages => _bad;

    public int Count => _items.Count;

    public int Label(int index) => _items[index].Label;

    public string Name(int index) => _items[index].Path;

    public static bool IsImageFile(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()) && !Path.GetFileName(path).StartsWith('.');

    /// <summary>
    /// Lists <paramref name="root"/>. <paramref name="classNames"/>: the classes a trained model knows (a folder with another
    /// name is an error); null: the sorted sub-folder names that hold images. <paramref name="validate"/>: decode every image
    /// now and drop (Skip) or reject the unreadable ones.
    /// </summary>
    public static ImageFolderDataset Open(string root, BadImagePolicy policy = BadImagePolicy.Skip, bool validate = true,
        IReadOnlyList<string>? classNames = null, Action<BadImage>? onBadImage = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: image folder not found.");
        var dirs = Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToList();
        var byClass = dirs.Select(d => (Name: Path.GetFileName(d), Files: Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Where(IsImageFile).OrderBy(f => f, StringComparer.Ordinal).ToList()))
            .Where(x => x.Files.Count > 0).ToList();
        if (byClass.Count == 0)
            throw new InvalidDataException($"{root}: no class folders with images ({string.Join(", ", Extensions)}); expected {root}/<class>/<image>.");
        var classes = classNames ?? byClass.Select(x => x.Name).ToList();
        var index = classes.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        var items = new List<(string, int)>();
        foreach (var (name, files) in byClass)
        {
            if (!index.TryGetValue(name, out int label))
                throw new InvalidDataException($"{Path.Combine(root, name)}: class '{name}' is not one of the model's classes ({string.Join(", ", classes)}).");
            items.AddRange(files.Select(f => (f, label)));
        }
        var ds = new ImageFolderDataset(root, classes, items, policy, onBadImage);
        if (validate) ds.ValidateAll();
        return ds;
    }

    /// <summary>An unlabelled list of image files (for prediction and embedding); folders are searched for images.</summary>
    public static ImageFolderDataset FromFiles(IEnumerable<string> paths, IReadOnlyList<string> classNames, BadImagePolicy policy = BadImagePolicy.Skip,
        Action<BadImage>? onBadImage = null)
    {
        var items = new List<(string, int)>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                items.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(IsImageFile).OrderBy(f => f, StringComparer.Ordinal).Select(f => (f, -1)));
            else if (File.Exists(p)) items.Add((p, -1));
            else throw new FileNotFoundException($"{p}: no such image file or folder.", p);
        }
        if (items.Count == 0) throw new InvalidDataException($"No images ({string.Join(", ", Extensions)}) in {string.Join(", ", paths)}.");
        return new ImageFolderDataset(Path.GetDirectoryName(items[0].Item1) ?? ".", classNames, items, policy, onBadImage);
    }

    /// <summary>Decodes every image once; unreadable ones are removed and reported (Skip) or cause an error (Reject).</summary>
    public void ValidateAll()
    {
        for (int i = _items.Count - 1; i >= 0; i--)
        {
            using var img = TryLoad(i);
            if (img is null) _items.RemoveAt(i);
        }
        if (_items.Count == 0) throw new InvalidDataException($"{Root}: none of the images could be read ({_bad.Count} unreadable).");
    }

    public Image<Rgb24>? TryLoad(int index)
    {
        var path = _items[index].Path;
        try
        {
            return Image.Load<Rgb24>(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            string reason = ex switch
            {
                UnknownImageFormatException => "not a recognised image format",
                InvalidImageContentException => "corrupt image data: " + ex.Message,
                FileNotFoundException or DirectoryNotFoundException => "file disappeared",
                UnauthorizedAccessException => "permission denied",
                _ => ex.GetType().Name + ": " + ex.Message,
            };
            if (Policy == BadImagePolicy.Reject)
                throw new InvalidDataException($"{path}: cannot read image ({reason}). Use the skip policy (--bad-images skip) to leave unreadable images out.", ex);
            if (_reported.Add(path))
            {
                var bad = new BadImage(path, reason);
                _bad.Add(bad);
                OnBadImage?.Invoke(bad);
            }
            return null;
        }
    }
}
