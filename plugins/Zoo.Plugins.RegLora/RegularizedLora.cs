using System.ComponentModel;
using System.Text.RegularExpressions;
using TorchSharp.Modules;

namespace Zoo.Plugins.RegLora;

/// <summary>
/// RegLoRA, the essential-forgetting half of SEFE (Chen et al., "SEFE: Superficial and Essential Forgetting Eliminator for
/// Multimodal Continual Instruction Tuning", ICML 2025, arXiv:2505.02486, Sec. 4.2). Each task trains a fresh LoRA
/// (ΔW_t = s B_t A_t) on the backbone's linear layers; after the task the largest-magnitude elements of ΔW_t (a fraction
/// <c>key_fraction</c> per matrix) are recorded as key positions R_t and ΔW_t is merged into the weights. Later tasks add
///   L_reg = λ Σ_i || (∪_{j&lt;t} R_j) ⊙ ΔW_t ||²
/// so the new update leaves the elements that carried earlier tasks' knowledge alone. The classifier head is trained
/// normally. Options: <see cref="RegLoraOptions"/>.
/// </summary>
[ZooExport(typeof(IContinualLearner), "reglora", Task = ZooTasks.ContinualLearning, ArxivId = "2505.02486",
    Paper = "SEFE: Superficial and Essential Forgetting Eliminator for Multimodal Continual Instruction Tuning (Chen et al., ICML 2025)",
    Summary = "One LoRA per task, merged after it; the key elements of earlier updates are protected by a regulariser (RegLoRA).")]
public sealed class RegularizedLora : ContinualLearnerBase<RegLoraOptions>
{
    private LoraAdapter? _lora;
    private readonly List<Tensor> _keys = [];
    private List<Parameter> _head = [];

    /// <summary>Per task after the first: ||R ⊙ ΔW_t|| / ||ΔW_t|| over all sites (how much of the new update hit earlier key positions).</summary>
    public List<double> KeyOverlap { get; } = [];

    protected override void OnInitialized()
    {
        _lora = LoraAdapter.Attach(Model.Backbone, Options.LoraPattern, Options.Rank, Options.LoraAlpha ?? Options.Rank);
        var head = new Regex(Options.HeadPattern);
        _head = Model.NamedParameters().Where(p => head.IsMatch(p.Name) || p.Name.StartsWith("zoo_head.",
            StringComparison.Ordinal)).Select(p => p.Param).ToList();
        foreach (var p in _head) p.requires_grad = true;
        foreach (var s in _lora.Sites) _keys.Add(torch.zeros_like(s.Weight, dtype: ScalarType.Bool).DetachFromDisposeScope());
    }

    protected override void LearnTask(ContinualTask task, IProgress<TrainingProgress>? progress)
    {
        var lora = _lora!;
        double lambda = Options.RegLambda;
        bool anyKeys = _keys.Any(k => k.any().item<bool>());
        Fit(task.Train, lora.Parameters().Concat(_head), (x, y) =>
        {
            var loss = TaskLoss(Model.Logits(x), y, task.Classes);
            if (anyKeys && lambda > 0)
                for (int i = 0; i < lora.Sites.Count; i++)
                    loss = loss + lambda * lora.Sites[i].Delta().masked_select(_keys[i]).square().sum();
            return loss;
        }, progress, $"reglora task {task.Index}", afterBackward: lora.PullGradients, beforeStep: lora.Apply);
        lora.Apply();
        using (torch.no_grad())
        {
            double hit = 0, all = 0;
            double fraction = Options.KeyFraction;
            for (int i = 0; i < lora.Sites.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var d = lora.Sites[i].Delta().abs();
                hit += d.masked_select(_keys[i]).square().sum().item<float>();
                all += d.square().sum().item<float>();
                long k = Math.Max(1, (long)Math.Round(fraction * d.numel()));
                var threshold = d.flatten().topk((int)k).values.min();
                _keys[i].logical_or_(d.ge(threshold));   // R_t: the key elements of this task's update
            }
            if (task.Index > 0) KeyOverlap.Add(all > 0 ? Math.Sqrt(hit / all) : 0);
        }
        lora.Merge();   // ΔW_t folded into the weights; a fresh LoRA for the next task
    }

    public override void Dispose()
    {
        _lora?.Dispose();
        foreach (var k in _keys) k.Dispose();
        base.Dispose();
    }
}

/// <summary>Options of RegLoRA (<c>--set reg_lambda=1000</c> etc. keep working).</summary>
public sealed record RegLoraOptions
{
    /// <summary>FFN and attention weights of the blocks (timm names).</summary>
    public const string DefaultPattern = @"^blocks\.(\d+)\.((mlp\.fc[12])|((attn|attn_out)\.(qkv|qk|v|proj)))\.weight$";

    [Description("LoRA rank")] public int Rank { get; init; } = 8;
    [Description("LoRA alpha (default: the rank)")] public double? LoraAlpha { get; init; }
    [Description("Weight of the key-element regulariser")] public double RegLambda { get; init; } = 1000;
    [Description("Fraction of each update's elements recorded as key elements")] public double KeyFraction { get; init; } = 0.02;
    [Description("Regex of the backbone weights that get a LoRA")] public string LoraPattern { get; init; } = DefaultPattern;
    [Description("Regex of the head parameters trained in full")] public string HeadPattern { get; init; } = @"(^|\.)head\.";
}
