using TorchSharp;
using Zoo.Core;
using static TorchSharp.torch;

namespace Zoo.Core;

/// <summary>
/// A small valid input for any model, built from the task interface it implements, and the output shape that
/// interface promises: the registry-wide tests, the package test and smoke checks use it. A model that implements
/// no task interface gets a <see cref="NotSupportedException"/> saying so.
/// </summary>
public static class ModelProbe
{
    public const int Batch = 2;

    /// <summary>Runs the model on a seeded example input; returns the output and the shape it must have.</summary>
    public static (Tensor Output, long[] Expected) Run(nn.Module model, long seed = 7)
    {
        var g = new Generator((ulong)seed);
        switch (model)
        {
            case IImageClassifier c:
            {
                var s = c.InputSpec;
                return (c.Classify(randn([Batch, s.Channels, s.Height, s.Width], generator: g)), [Batch, c.NumClasses]);
            }
            case IImageEncoder e:
            {
                var s = e.InputSpec;
                return (e.Encode(randn([Batch, s.Channels, s.Height, s.Width], generator: g)), [Batch, e.EmbeddingDim]);
            }
            case IVideoClassifier v:
            {
                var s = v.InputSpec ?? throw new NotSupportedException($"{model.GetType().Name}: IVideoClassifier.InputSpec is not declared, so no example clip can be made.");
                return (v.Classify(randn([Batch, s.Frames, s.Frame.Channels, s.Frame.Height, s.Frame.Width], generator: g)), [Batch, v.NumClasses]);
            }
            case ISequenceModel m:
            {
                int t = Math.Min(16, m.MaxContext);
                var tokens = randint(0, m.VocabSize, [Batch, t], generator: g, dtype: int64);
                return (m.Head(m.ForwardEmbeddings(m.Embed(tokens))), [Batch, t, m.VocabSize]);
            }
            case ICausalLanguageModel lm:
            {
                var tokens = randint(0, lm.VocabSize, [Batch, 24], generator: g, dtype: int64);
                return (lm.Logits(tokens), [Batch, 24, lm.VocabSize]);
            }
            case IMemoryModule mem:
            {
                var x = randn([Batch, 8, mem.ModelDim], generator: g);
                using var state = mem.InitialState(Batch);
                var (y, next) = mem.Forward(x, state);
                next.Dispose();
                return (y, [Batch, 8, mem.ModelDim]);
            }
            case IForecaster f:
            {
                var start = new DateTime(2016, 7, 1);
                var past = Enumerable.Range(0, f.InputLength).Select(i => start.AddHours(i)).ToList();
                var future = Enumerable.Range(f.InputLength, f.Horizon).Select(i => start.AddHours(i)).ToList();
                Tensor Marks(List<DateTime> stamps) => tensor(f.EncodeTime(stamps)).reshape(1, stamps.Count, f.TimeFeatureCount).expand(Batch, -1, -1).contiguous();
                var history = randn([Batch, f.InputLength, f.InputChannels], generator: g);
                return (f.Forecast(history, Marks(past), null, Marks(future)), [Batch, f.Horizon, f.OutputChannels]);
            }
            default:
                throw new NotSupportedException($"{model.GetType().Name} implements no task interface (IImageClassifier, IImageEncoder, IVideoClassifier, ISequenceModel, ICausalLanguageModel, IMemoryModule, IForecaster): no example input can be made for it.");
        }
    }
}
