using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// LoRA (Hu et al. 2021, eq. 3: W = W0 + (alpha/r) B A, B zero-initialised) on one existing Linear weight of a black-box
/// backbone. Model plugins call their sub-modules' <c>forward</c> directly, so TorchSharp forward hooks never fire and a
/// sub-module cannot be swapped from outside; LoRA is therefore applied by re-parametrisation: before a forward the
/// backbone's weight is set to W0 + s B A, and after the backward its gradient G = dL/dW is turned into
/// dL/dA = s B^T G and dL/dB = s G A^T (by back-propagating the surrogate sum(s B A * G)). Exact for any backbone.
/// </summary>
public sealed class LoraSite : IDisposable
{
    private Tensor _w0;

    public LoraSite(string name, Parameter weight, int rank, double alpha, Generator? gen = null)
    {
        if (weight.dim() != 2) throw new ArgumentException($"LoRA site {name}: a Linear weight [out, in] is needed, got [{string.Join(", ", weight.shape)}].");
        Name = name;
        Weight = weight;
        Rank = rank;
        Scale = alpha / rank;
        _w0 = weight.detach().clone();
        long outF = weight.shape[0], inF = weight.shape[1];
        A = new Parameter(torch.empty(rank, inF, device: weight.device));
        B = new Parameter(torch.zeros(outF, rank, device: weight.device));
        using (torch.no_grad()) nn.init.kaiming_uniform_(A, Math.Sqrt(5));   // as the reference loralib
        weight.requires_grad = true;   // its .grad carries dL/dW to the factors; it is never stepped
    }

    public string Name { get; }

    public Parameter Weight { get; }

    public Parameter A { get; }

    public Parameter B { get; }

    public int Rank { get; }

    public double Scale { get; }

    /// <summary>The frozen pre-trained weight W0.</summary>
    public Tensor BaseWeight => _w0;

    /// <summary>s B A (differentiable in A and B).</summary>
    public Tensor Delta() => B.mm(A).mul(Scale);

    /// <summary>Writes W0 + s B A into the backbone's weight.</summary>
    public void Apply()
    {
        using var _ = torch.no_grad();
        using var d = Delta();
        Weight.copy_(_w0 + d);
    }

    /// <summary>Moves dL/dW into dL/dA, dL/dB and clears the weight's gradient.</summary>
    public void PullGradients()
    {
        var g = Weight.grad;
        if (g is null) return;
        using (var scope = torch.NewDisposeScope())
        {
            var surrogate = (Delta() * g.detach()).sum();
            surrogate.backward();
        }
        g.zero_();
    }

    /// <summary>Puts W0 back (removes the adaptation).</summary>
    public void Restore()
    {
        using var _ = torch.no_grad();
        Weight.copy_(_w0);
    }

    /// <summary>Folds s B A into W0 and starts a fresh pair (A random, B zero).</summary>
    public void Merge()
    {
        using var _ = torch.no_grad();
        using var d = Delta();
        var merged = (_w0 + d).detach();
        _w0.Dispose();
        _w0 = merged;
        Weight.copy_(_w0);
        nn.init.kaiming_uniform_(A, Math.Sqrt(5));
        B.zero_();
    }

    public void Dispose()
    {
        _w0.Dispose();
        A.Dispose();
        B.Dispose();
    }
}

/// <summary>A set of LoRA sites chosen by parameter name (e.g. the FFN layers of every block), with their groups.</summary>
public sealed class LoraAdapter : IDisposable
{
    /// <summary>FFN Linear layers of transformer blocks under timm names: blocks.{i}.mlp.fc1/fc2 (TNT's outer MLP, ViT's MLP).</summary>
    public const string FfnPattern = @"^blocks\.(\d+)\.mlp\.fc[12]\.weight$";

    /// <summary>Attention projections of transformer blocks (ViT qkv/proj, TNT attn_out.qk/v/proj).</summary>
    public const string AttentionPattern = @"^blocks\.(\d+)\.(attn|attn_out)\.(qkv|qk|v|proj)\.weight$";

    private readonly List<(Parameter Param, bool RequiresGrad)> _frozen;

    private LoraAdapter(List<LoraSite> sites, List<(Parameter, bool)> frozen)
    {
        Sites = sites;
        _frozen = frozen;
    }

    public IReadOnlyList<LoraSite> Sites { get; }

    /// <summary>Sites grouped by the first capture group of the pattern (the block index), GS-LoRA's groups.</summary>
    public IReadOnlyList<IReadOnlyList<LoraSite>> Groups(string pattern) =>
        Sites.GroupBy(s => Regex.Match(s.Name, pattern) is { Success: true, Groups.Count: > 1 } m ? m.Groups[1].Value : s.Name)
            .Select(g => (IReadOnlyList<LoraSite>)g.ToList()).ToList();

    public IEnumerable<Parameter> Parameters() => Sites.SelectMany(s => new[] { s.A, s.B });

    /// <summary>
    /// LoRA on every backbone parameter whose name matches <paramref name="pattern"/> (2-D weights only). Every other backbone
    /// parameter is frozen. Throws when nothing matches (the backbone does not use the expected names).
    /// </summary>
    public static LoraAdapter Attach(nn.Module backbone, string pattern, int rank, double alpha)
    {
        var re = new Regex(pattern);
        var sites = new List<LoraSite>();
        var frozen = new List<(Parameter, bool)>();
        foreach (var (name, p) in backbone.named_parameters())
        {
            frozen.Add((p, p.requires_grad));
            p.requires_grad = false;
            if (re.IsMatch(name) && p.dim() == 2) sites.Add(new LoraSite(name, p, rank, alpha));
        }
        if (sites.Count == 0)
            throw new ArgumentException(
                $"No parameter of {backbone.GetType().Name} matches the LoRA pattern {pattern} "
                + $"(its names: {string.Join(", ", backbone.named_parameters().Select(p => p.name).Take(12))}, ...).");
        return new LoraAdapter(sites, frozen);
    }

    public void Apply() { foreach (var s in Sites) s.Apply(); }

    public void PullGradients() { foreach (var s in Sites) s.PullGradients(); }

    public void Restore() { foreach (var s in Sites) s.Restore(); }

    public void Merge() { foreach (var s in Sites) s.Merge(); }

    /// <summary>Disposes the factors and gives the backbone's parameters their former requires_grad (the weights keep what was last applied).</summary>
    public void Dispose()
    {
        foreach (var s in Sites) s.Dispose();
        foreach (var (p, rg) in _frozen) p.requires_grad = rg;
    }
}
