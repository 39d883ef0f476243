using TorchSharp.Modules;

namespace Zoo.Plugins.Mos;

/// <summary>
/// MOS's classifier alignment (Sec. 4.2, following SLCA): after each task the mean and covariance of every new class's
/// features (under that task's merged adapter) are stored; from the second task on, the shared head is re-trained on
/// Gaussian samples N(μ_c, Σ_c) of all seen classes (reference: batch·5 samples per class per epoch, SGD momentum 0.9,
/// weight decay 5e-4, cosine schedule, ca_epochs epochs).
/// </summary>
public sealed class ClassFeatureStatistics
{
    private readonly Dictionary<int, (Tensor Mean, Tensor Cov)> _stats = [];

    public IReadOnlyCollection<int> Classes => _stats.Keys;

    public (Tensor Mean, Tensor Cov) this[int cls] => _stats[cls];

    /// <summary>Stores mean and covariance (+1e-4·I) of <paramref name="features"/> [N, D] for class <paramref name="cls"/>.</summary>
    public void Add(int cls, Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2)
            throw new ArgumentException($"MOS: class {cls} needs at least 2 feature rows to estimate a covariance, got [{string.Join(", ", features.shape)}].");
        using var _ = torch.no_grad();
        var f = features.to(ScalarType.Float64);
        var mean = f.mean([0]);
        var cov = torch.cov(f.t()) + torch.eye(f.shape[1], dtype: ScalarType.Float64, device: f.device) * 1e-4;
        if (_stats.TryGetValue(cls, out var old)) { old.Mean.Dispose(); old.Cov.Dispose(); }
        _stats[cls] = (mean.DetachFromDisposeScope(), cov.DetachFromDisposeScope());
    }

    /// <summary><paramref name="count"/> samples of N(μ_c, Σ_c) [count, D] (Cholesky; jitter grows ×10 until Σ is positive definite).</summary>
    public Tensor Sample(int cls, int count, Generator? generator = null)
    {
        var (mean, cov) = _stats[cls];
        using var scope = torch.NewDisposeScope();
        Tensor? chol = null;
        double eps = 1e-4;
        for (int attempt = 0; attempt < 6 && chol is null; attempt++, eps *= 10)
        {
            var (l, info) = torch.linalg.cholesky_ex(cov + torch.eye(cov.shape[0], dtype: cov.dtype, device: cov.device) * eps);
            if (info.item<int>() == 0) chol = l;
        }
        chol ??= torch.diag(torch.diag(cov).clamp_min(1e-3).sqrt());   // fallback: diagonal
        var z = torch.randn([count, mean.shape[0]], dtype: ScalarType.Float64, device: mean.device, generator: generator);
        return (mean + z.matmul(chol.t())).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Re-trains <paramref name="head"/> on Gaussian samples of <paramref name="classes"/>; returns the last epoch's mean loss.</summary>
    public double Align(Linear head, IReadOnlyList<int> classes, int totalClasses, int epochs, int perClass, double lr, Func<Tensor, Tensor>? maskLogits = null)
    {
        if (epochs <= 0 || classes.Count == 0) return double.NaN;
        var device = head.weight.device;
        using var opt = torch.optim.SGD(head.parameters(), lr, momentum: 0.9, weight_decay: 5e-4);
        var sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs);
        double last = double.NaN;
        for (int e = 0; e < epochs; e++)
        {
            using var epochScope = torch.NewDisposeScope();
            var x = torch.cat(classes.Select(c => Sample(c, perClass)).ToArray(), 0).to(device);
            var y = torch.tensor(classes.SelectMany(c => Enumerable.Repeat((long)c, perClass)).ToArray(), device: device);
            var perm = torch.randperm(x.shape[0], device: device);
            x = x.index_select(0, perm);
            y = y.index_select(0, perm);
            double sum = 0;
            for (int i = 0; i < classes.Count; i++)
            {
                using var step = torch.NewDisposeScope();
                var logits = head.forward(x.narrow(0, i * perClass, perClass));
                if (maskLogits != null) logits = maskLogits(logits);
                var loss = nn.functional.cross_entropy(logits, y.narrow(0, i * perClass, perClass));
                opt.zero_grad();
                loss.backward();
                opt.step();
                sum += loss.item<float>();
            }
            sched.step();
            last = sum / classes.Count;
        }
        return last;
    }
}
