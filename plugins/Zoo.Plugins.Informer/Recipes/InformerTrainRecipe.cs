using System.Globalization;
using TorchSharp;
using Zoo.Core;
using Zoo.Toolkit.Training;

namespace Zoo.Plugins.Informer;

/// <summary>
/// <c>zoo train informer[:preset]</c>: the official main_informer.py experiment. Each repeat (<c>--itr</c>) trains with
/// early stopping, keeps the best checkpoint under <c>--checkpoints/&lt;setting&gt;</c>, writes the loss curve and scores
/// MSE/MAE on the scaled test windows; <c>--do_predict</c> also forecasts past the end of the file.
/// </summary>
public sealed class InformerTrainRecipe() : Recipe<InformerTrainOptions>(ZooVerbs.Train, InformerFactory.Name,
    "Train Informer on an ETT-style CSV (official main_informer.py options)")
{
    /// <summary>The official script's spellings of the host's common options.</summary>
    public static readonly IReadOnlyDictionary<string, string> OfficialAliases = new Dictionary<string, string>
    {
        ["--train_epochs"] = "--epochs", ["--train-epochs"] = "--epochs",
        ["--learning_rate"] = "--lr", ["--learning-rate"] = "--lr",
        ["--batch_size"] = "--batch-size",
        ["--max_steps"] = "--steps", ["--max-steps"] = "--steps",
    };

    public override IReadOnlyDictionary<string, string> CommonAliases => OfficialAliases;

    /// <summary>main_informer.py's defaults of the options the host binds (--train_epochs, --learning_rate, --batch_size) and the seed.</summary>
    public const int DefaultEpochs = 6, DefaultBatchSize = 32;
    public const double DefaultLearningRate = 1e-4;
    public const long DefaultSeed = 2021;

    public override int Run(IZooContext context, CommonOptions common, InformerTrainOptions s)
    {
        s.Validate();
        var output = context.Output;
        var factory = new InformerFactory();
        var preset = (InformerConfig)factory.Configure(common.Preset, common.Overrides);
        var data = new ForecastDataset(s.DataOptions(common.Data, preset));
        output.Line($"Informer on {data.Table.Path}: {data.Table.Rows} rows, features {data.Features} ({string.Join(", ", data.Columns)}), " +
            $"split {data.Scheme}: train {data.Split("train").Count} / val {data.Split("val").Count} / test {data.Split("test").Count} windows");
        long seed = common.Seed ?? DefaultSeed;
        int batchSize = common.BatchSize ?? DefaultBatchSize;
        var folder = s.Checkpoints ?? common.Out ?? "./checkpoints/";
        var results = new List<Metrics>();
        for (int itr = 0; itr < s.Itr; itr++)
        {
            var config = s.ModelConfig(preset, data);
            var setting = s.Setting(config, common.Data, itr);
            var dir = Path.Combine(folder, setting);
            TorchSharp.torch.manual_seed(seed + itr);
            using var model = new InformerModel(config);
            model.to(context.Device);
            output.Line($">>>>>>> start training: {setting} ({model.parameters().Sum(p => p.numel()):N0} parameters, device {context.Device})");
            var options = new TrainOptions
            {
                TrainEpochs = common.Epochs ?? DefaultEpochs, BatchSize = batchSize, Patience = s.Patience, LearningRate = common.Lr ?? DefaultLearningRate,
                Lradj = s.Lradj, Padding = s.Padding, Seed = seed + itr, MaxStepsPerEpoch = common.Steps,
            };
            var history = InformerTraining.Train(context, model, data, options, dir, (e, lr) => output.Line(EpochLine(e, options.TrainEpochs, lr)));
            output.Line(FormattableString.Invariant($"best epoch {history.BestEpoch} (vali loss {history.BestValidation:F4})") +
                (history.StoppedEarly ? ", early stopped" : ""));
            var metrics = InformerTraining.Evaluate(model, data.Split("test"), batchSize, data.Features, s.Padding, context.Device);
            results.Add(metrics);
            output.Line(FormattableString.Invariant($">>>>>>> testing: mse {metrics.Mse:F4}, mae {metrics.Mae:F4}") +
                $" on {metrics.Windows} scaled test windows (best epoch {history.BestEpoch}, checkpoint {dir})");
            history.Plot(dir + ".loss.png", setting, "MSE (scaled)", "validation MSE");
            if (s.DoPredict)
            {
                var r = InformerPrediction.Predict(model, data, context.Device);
                InformerPrediction.WriteCsv(dir + ".forecast.csv", r, data.Options.DateColumn);
                InformerPrediction.WritePlot(dir + ".forecast.png", r, $"Informer forecast after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm}");
                output.Line($"forecast written: {dir}.forecast.csv, {dir}.forecast.png");
            }
        }
        if (results.Count > 1)
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"mean over {results.Count} runs: mse {results.Average(r => r.Mse):F4}, mae {results.Average(r => r.Mae):F4}"));
        return 0;
    }

    internal static string EpochLine(EpochRecord e, int epochs, double lr) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {e.Epoch}/{epochs}: train loss {e.TrainLoss:F4}, vali loss {e.Validation:F4}, lr {lr:G3}, {e.Seconds:F1}s{(e.Best ? " (best, saved)" : "")}");
}
