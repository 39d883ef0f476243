using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Continual;

/// <summary>
/// One unlearning request and its effect, measured on held-out test data: accuracy on the forget classes and on the
/// retained classes before and after, and the wall time of <see cref="IUnlearner.Forget"/>.
/// </summary>
public sealed record UnlearningStep(IReadOnlyList<int> Classes, double ForgetBefore, double ForgetAfter, double RetainBefore, double RetainAfter,
    double Seconds,
    double ForgetTrainBefore, double ForgetTrainAfter);

/// <summary>
/// The unlearning benchmark on digits: a sequence of requests (forget one class set after another, GS-LoRA's
/// continual-forgetting setting). For request k the forget set is that request's classes (train rows) and the retain set
/// is every class not forgotten so far; accuracy is measured on the test rows of the same classes.
/// </summary>
public static class UnlearningRunner
{
    public static IReadOnlyList<UnlearningStep> Run(IUnlearner unlearner, nn.Module model, LabeledData train, LabeledData test,
        IReadOnlyList<IReadOnlyList<int>> requests, ContinualSettings settings, IZooContext context,
        IProgress<TrainingProgress>? progress = null)
    {
        var classifier = model as IImageClassifier
            ?? throw new ArgumentException($"Unlearning needs an image classifier; {model.GetType().Name} is not an IImageClassifier.");
        var device = context.Device;
        var forgotten = new HashSet<int>();
        var steps = new List<UnlearningStep>();
        foreach (var request in requests)
        {
            if (request.Count == 0) throw new ArgumentException("An unlearning request names no class.");
            context.Cancellation.ThrowIfCancellationRequested();
            foreach (var c in request)
                if (c < 0 || c >= classifier.NumClasses)
                    throw new ArgumentException($"Class {c} is not a class of the model (0..{classifier.NumClasses - 1}).");
            var retainClasses = Enumerable.Range(0, classifier.NumClasses).Where(c => !forgotten.Contains(c) && !request.Contains(c)).ToArray();
            var forgetTrain = SplitDigits.Select(train, request.ToArray(), keep: true);
            var retainTrain = SplitDigits.Select(train, retainClasses, keep: true);
            var forgetTest = SplitDigits.Select(test, request.ToArray(), keep: true);
            var retainTest = SplitDigits.Select(test, retainClasses, keep: true);
            try
            {
                if (forgetTrain.Count == 0) throw new ArgumentException($"No training rows of classes {string.Join(",", request)} to forget.");
                Func<Tensor, Tensor> predict = x => { model.eval(); return classifier.Classify(x); };
                double fb = Training.Accuracy(predict, forgetTest, device), rb = Training.Accuracy(predict, retainTest, device);
                double ftb = Training.Accuracy(predict, forgetTrain, device);
                var sw = Stopwatch.StartNew();
                unlearner.Forget(model, forgetTrain, retainTrain, settings, context, progress);
                double secs = sw.Elapsed.TotalSeconds;
                model.eval();
                double fa = Training.Accuracy(predict, forgetTest, device), ra = Training.Accuracy(predict, retainTest, device);
                double fta = Training.Accuracy(predict, forgetTrain, device);
                steps.Add(new UnlearningStep(request.ToArray(), fb, fa, rb, ra, secs, ftb, fta));
            }
            finally
            {
                foreach (var d in new[] { forgetTrain, retainTrain, forgetTest, retainTest })
                {
                    d.Inputs.Dispose();
                    d.Labels.Dispose();
                }
            }
            foreach (var c in request) forgotten.Add(c);
        }
        return steps;
    }

    /// <summary>Parses "3,7" (one request) or "3,7;1" (a sequence of requests).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> ParseRequests(string text)
    {
        var requests = new List<IReadOnlyList<int>>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var classes = new List<int>();
            foreach (var tok in part.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(tok, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c))
                    throw new ArgumentException($"--classes: '{tok}' is not a class index (use e.g. 3,7 or 3;7 for two requests).");
                classes.Add(c);
            }
            requests.Add(classes.Distinct().ToArray());
        }
        if (requests.Count == 0) throw new ArgumentException("--classes names no class (use e.g. 3,7).");
        return requests;
    }

    /// <summary>The steps as a markdown table (unlearning.md).</summary>
    public static string Table(string unlearner, IEnumerable<UnlearningStep> steps) =>
        ContinualReport.Markdown(ContinualReport.UnlearningHeaders, steps.Select(s => ContinualReport.UnlearningRow(unlearner, s)));
}
