using System.ComponentModel;

namespace Zoo.Plugins.GsLora;

/// <summary>
/// GS-LoRA (Zhao et al., "Continual Forgetting for Pre-trained Vision Models", CVPR 2024, arXiv:2403.11530) with the
/// prototype loss of GS-LoRA++ ("Practical Continual Forgetting for Pre-trained Vision Models", arXiv:2501.09705).
/// One forgetting request = a fresh LoRA (rank r) on the FFN layers of every transformer block (blocks.i.mlp.fc1/fc2),
/// trained with (Sec. 3)
///   L = L_retain + β L_forget + α L_structure (+ γ L_proto),
///   L_retain = CE on retain data, L_forget = mean_i ReLU(BND − CE_i) on forget data (bounded: a sample stops pushing once its loss passes BND;
///   applied per sample here so that one class far past BND cannot hide another still remembered),
///   L_structure = Σ_k ||LoRA group k||_2 (group lasso over blocks, so whole blocks stay unmodified),
///   L_proto (GS-LoRA++) = CE(cos(f(x_r), P)/τ, y_r) + ReLU(BND_p − CE(cos(f(x_f), P)/τ, y_f)) with P the class prototypes
///   (mean features of the model before editing): retained features stay near their prototypes, forgotten ones leave theirs.
/// The LoRA is merged into the weights at the end (W ← W0 + s B A), so the next request starts from the edited model.
/// Options: <see cref="GsLoraOptions"/>.
/// </summary>
[ZooExport(typeof(IUnlearner), "gs-lora", Task = ZooTasks.Unlearning, ArxivId = "2403.11530",
    Paper = "Continual Forgetting for Pre-trained Vision Models (Zhao et al., CVPR 2024); GS-LoRA++",
    Summary = "LoRA on the FFN layers with a bounded forgetting loss and group-sparse block selection; --set prototype=1 adds GS-LoRA++'s prototype loss.")]
public sealed class GroupSparseLora() : UnlearnerBase<GsLoraOptions>("GS-LoRA")
{
    /// <summary>L2 norm of each block's LoRA update after the last call (group sparsity shows as zeros).</summary>
    public IReadOnlyList<double> LastGroupNorms { get; private set; } = [];

    protected override void Forget(nn.Module model, IImageClassifier clf, LabeledData forget, LabeledData retain, IProgress<TrainingProgress>? progress)
    {
        if (retain.Count == 0) throw new ArgumentException("GS-LoRA needs a non-empty forget set and retain set.");
        var o = Options;
        int rank = o.Rank;
        double loraAlpha = o.LoraAlpha ?? rank, beta = o.Beta, bnd = o.Bnd;
        double alpha = o.Alpha, gamma = o.Prototype, tau = o.Tau, bndP = o.BndProto;
        string pattern = o.LoraPattern;
        torch.manual_seed(Settings.Seed);
        var rng = new Random((int)Settings.Seed);
        var device = model.parameters().First().device;

        Tensor? prototypes = gamma > 0 ? Prototypes(clf, model, forget, retain, device) : null;
        using var lora = LoraAdapter.Attach(model, pattern, rank, loraAlpha);
        var groups = lora.Groups(pattern);
        model.train();
        Training.Fit(retain, lora.Parameters().ToList(), (xr, yr) =>
        {
            var idx = Enumerable.Range(0, (int)xr.shape[0]).Select(_ => rng.NextInt64(forget.Count)).ToArray();
            var (xf, yf) = Training.Take(forget, idx, device);
            var loss = nn.functional.cross_entropy(clf.Classify(xr), yr);
            // Bound applied per sample: with a batch mean, one class driven far past BND would hide another still remembered.
            loss = loss + beta * (bnd - nn.functional.cross_entropy(clf.Classify(xf), yf, reduction: nn.Reduction.None)).relu().mean();
            if (alpha > 0)
                foreach (var g in groups)
                    loss = loss + alpha * torch.sqrt(g.Select(s => s.A.square().sum() + s.B.square().sum()).Aggregate((a, b) => a + b) + 1e-12);
            if (prototypes is not null)
            {
                var pr = nn.functional.normalize(prototypes, dim: 1);
                Tensor ProtoLogits(Tensor x) => nn.functional.normalize(clf.Encode(x), dim: 1).mm(pr.t()) / tau;
                loss = loss + gamma * (nn.functional.cross_entropy(ProtoLogits(xr), yr) + (bndP - nn.functional.cross_entropy(ProtoLogits(xf), yf,
                    reduction: nn.Reduction.None)).relu().mean());
            }
            return loss;
        }, Settings.Epochs, Settings.BatchSize, Settings.LearningRate, rng, device, progress, "gs-lora", afterBackward: lora.PullGradients,
            beforeStep: lora.Apply);
        lora.Apply();   // the final edit stays in the weights (merged LoRA)
        using (torch.no_grad())
            LastGroupNorms = groups.Select(g => Math.Sqrt(g.Sum(s => { using var d = s.Delta(); return d.square().sum().item<float>(); }))).ToArray();
        prototypes?.Dispose();
        model.eval();
    }

    /// <summary>Per-class mean feature of the unedited model over forget ∪ retain (GS-LoRA++ prototypes), [K, D].</summary>
    private static Tensor Prototypes(IImageClassifier clf, nn.Module model, LabeledData forget, LabeledData retain, Device device)
    {
        model.eval();
        using var _ = torch.no_grad();
        var sums = torch.zeros(clf.NumClasses, clf.EmbeddingDim, device: device);
        var counts = torch.zeros(clf.NumClasses, 1, device: device);
        foreach (var d in new[] { forget, retain })
            foreach (var (x, y) in Training.InOrder(d, 256, device))
            {
                sums.index_add_(0, y, clf.Encode(x), 1);
                counts.index_add_(0, y, torch.ones(y.shape[0], 1, device: device), 1);
            }
        var protos = sums / counts.clamp_min(1);
        sums.Dispose();
        counts.Dispose();
        return protos;
    }
}

/// <summary>Options of GS-LoRA (<c>--set prototype=1</c> = GS-LoRA++, as before).</summary>
public sealed record GsLoraOptions
{
    [Description("LoRA rank")] public int Rank { get; init; } = 4;
    [Description("LoRA alpha (default: the rank)")] public double? LoraAlpha { get; init; }
    [Description("Weight beta of the bounded forgetting loss")] public double Beta { get; init; } = 1;
    [Description("Bound BND of the forgetting loss")] public double Bnd { get; init; } = 5;
    [Description("Weight alpha of the group-sparsity loss")] public double Alpha { get; init; } = 0.01;
    [Description("Weight gamma of GS-LoRA++'s prototype loss (0: plain GS-LoRA; e.g. 1)")] public double Prototype { get; init; }
    [Description("Temperature tau of the prototype logits")] public double Tau { get; init; } = 0.1;
    [Description("Bound of the prototype forgetting loss")] public double BndProto { get; init; } = 5;

    [Description("Regex of the weights that get a LoRA (default: FFN layers of the blocks)")]
    public string LoraPattern { get; init; } = LoraAdapter.FfnPattern;
}
