using TorchSharp.Modules;

namespace Zoo.Plugins.Mos;

/// <summary>
/// AdaptFormer-style bottleneck adapter used by MOS (Sec. "Adapter-based tuning"): adapter(x) = s · up_proj(ReLU(down_proj(x))),
/// added beside the MLP branch (x = x + mlp(norm2(x)) + adapter(x), the "parallel" option). Reference field names down_proj,
/// up_proj; down_proj Kaiming-uniform, up_proj and both biases zero, so a fresh adapter outputs exactly zero.
/// </summary>
public sealed class BottleneckAdapter : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear down_proj;
    private readonly Linear up_proj;
#pragma warning restore IDE1006

    public BottleneckAdapter(int width, int bottleneck, double scale) : base("Adapter")
    {
        if (width < 1 || bottleneck < 1) throw new ArgumentException($"MOS adapter: width ({width}) and bottleneck ({bottleneck}) must be >= 1.");
        down_proj = nn.Linear(width, bottleneck);
        up_proj = nn.Linear(bottleneck, width);
        Scale = scale;
        Reset();
        RegisterComponents();
    }

    /// <summary>AdaptFormer's init: down_proj Kaiming-uniform (a = √5), up_proj and the biases zero (the adapter outputs 0).</summary>
    public void Reset()
    {
        using var _ = torch.no_grad();
        nn.init.kaiming_uniform_(down_proj.weight, a: Math.Sqrt(5));
        down_proj.bias!.zero_();
        up_proj.weight.zero_();
        up_proj.bias!.zero_();
    }

    public double Scale { get; }

    public Linear DownProj => down_proj;

    public Linear UpProj => up_proj;

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return (up_proj.forward(nn.functional.relu(down_proj.forward(x))) * Scale).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// MOS's adapter bank: <c>cur_adapter</c> (one <see cref="BottleneckAdapter"/> per block, the task being learned) and
/// <c>adapter_list</c> (the frozen, merged adapter set of every finished task). Adapter merging ("model surgery" of the
/// parameters, Sec. 4.1): θ_cur ← (1 − α) θ_cur + α · (1/t) Σ_{i&lt;t} θ_i, applied after every optimiser step and once more
/// before the set is stored (reference: adapter_merge / adapter_update, α = adapter_momentum).
/// </summary>
public sealed class TaskAdapters : nn.Module
{
#pragma warning disable IDE1006
    private readonly ModuleList<BottleneckAdapter> cur_adapter;
    private readonly ModuleList<ModuleList<BottleneckAdapter>> adapter_list;
#pragma warning restore IDE1006

    public TaskAdapters(int depth, int width, int bottleneck, double scale) : base(nameof(TaskAdapters))
    {
        Depth = depth;
        Width = width;
        Bottleneck = bottleneck;
        AdapterScale = scale;
        cur_adapter = NewSet();
        adapter_list = nn.ModuleList<ModuleList<BottleneckAdapter>>();
        RegisterComponents();
    }

    public int Depth { get; }

    public int Width { get; }

    public int Bottleneck { get; }

    public double AdapterScale { get; }

    /// <summary>The adapter set being trained.</summary>
    public ModuleList<BottleneckAdapter> Current => cur_adapter;

    /// <summary>The stored adapter sets of the finished tasks (index = task).</summary>
    public ModuleList<ModuleList<BottleneckAdapter>> Stored => adapter_list;

    private ModuleList<BottleneckAdapter> NewSet() =>
        nn.ModuleList(Enumerable.Range(0, Depth).Select(_ => new BottleneckAdapter(Width, Bottleneck, AdapterScale)).ToArray());

    /// <summary>The adapter set used for task <paramref name="task"/>: a stored set, or the current one for the task being learned.</summary>
    public ModuleList<BottleneckAdapter> SetFor(int task)
    {
        if (task >= 0 && task < adapter_list.Count) return adapter_list[task];
        if (task == adapter_list.Count) return cur_adapter;
        throw new ArgumentOutOfRangeException(nameof(task), $"MOS: no adapter set for task {task} ({adapter_list.Count} stored).");
    }

    /// <summary>The parameters of an adapter set, block by block (down_proj.weight, down_proj.bias, up_proj.weight, up_proj.bias).</summary>
    public static IEnumerable<Parameter> ParametersOf(IEnumerable<BottleneckAdapter> set) => set.SelectMany(a => a.parameters());

    /// <summary>θ_cur ← (1 − α) θ_cur + α · mean of the stored sets' parameters (no-op without stored sets or with α = 0).</summary>
    public void Merge(double alpha)
    {
        if (adapter_list.Count == 0 || alpha == 0) return;
        using var _ = torch.no_grad();
        var cur = ParametersOf(cur_adapter).ToList();
        var stored = adapter_list.Select(s => ParametersOf(s).ToList()).ToList();
        for (int i = 0; i < cur.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            var mean = stored.Select(s => (Tensor)s[i]).Aggregate((a, b) => a + b) / stored.Count;
            cur[i].mul_(1 - alpha).add_(mean * alpha);
        }
    }

    /// <summary>
    /// End of a task: merge once more, store a frozen copy of the current set, and re-initialise the current set for the
    /// next task (reference: adapter_update; a fresh AdaptFormer init for the next task is our reading, unconfirmed).
    /// </summary>
    public void FinishTask(double alpha)
    {
        Merge(alpha);
        var frozen = NewSet();
        var device = cur_adapter[0].DownProj.weight.device;
        foreach (var a in frozen) a.to(device);
        using (torch.no_grad())
        {
            var src = ParametersOf(cur_adapter).ToList();
            var dst = ParametersOf(frozen).ToList();
            for (int i = 0; i < src.Count; i++) dst[i].copy_(src[i]);
        }
        foreach (var p in ParametersOf(frozen)) p.requires_grad = false;
        adapter_list.Add(frozen);
        foreach (var a in cur_adapter) a.Reset();
    }
}

/// <summary>The <see cref="IEncoderExtension"/> that puts one adapter set beside the MLP of every block (no prefix).</summary>
public sealed class AdapterExtension(IReadOnlyList<nn.Module<Tensor, Tensor>> adapters) : IEncoderExtension
{
    public (Tensor Keys, Tensor Values)? Prefix(int layer, Tensor tokens) => null;

    public Tensor? Adapter(int layer, Tensor hidden) => layer < adapters.Count ? adapters[layer].forward(hidden) : null;
}
