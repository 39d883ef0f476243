using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using TorchSharp;
using Spectre.Console.Cli;
using Zoo.Core;

namespace Zoo.Plugins.Informer;

/// <summary>Adds <c>zoo train|eval|predict|demo|bench informer</c>.</summary>
[ZooExport(typeof(IZooCommandProvider), "informer", Task = ZooTasks.Forecasting, Summary = "Informer train, eval, predict, demo and bench commands.")]
public sealed class InformerCommandProvider : IZooCommandProvider
{
    public IEnumerable<ZooCommand> Commands =>
    [
        new("train", "informer", typeof(InformerTrainCommand), "Train Informer on an ETT-style CSV (official main_informer.py options)"),
        new("eval", "informer", typeof(InformerEvalCommand), "MSE/MAE of an Informer checkpoint on the scaled test split"),
        new("predict", "informer", typeof(InformerPredictCommand), "Forecast the horizon after a series: CSV in original units + PNG plot"),
        new("demo", "informer", typeof(InformerDemoCommand), "Train a small Informer on ETTh1 for ~30 s and forecast oil temperature"),
        new("bench", "informer", typeof(InformerBenchCommand), "ProbSparse vs full attention: time and memory at growing lengths, and MFU"),
    ];
}

/// <summary>
/// Options of the official main_informer.py under the same names. Spectre.Console.Cli accepts the underscore names
/// (--seq_len) and the hyphenated ones (--seq-len); both are listed.
/// </summary>
public sealed class InformerTrainSettings : CommandSettings
{
    [CommandOption("--model"), Description("informer or informerstack"), DefaultValue("informer")] public string Model { get; set; } = "informer";
    [CommandOption("--data"), Description("ETTh1, ETTh2, ETTm1, ETTm2 (paper split) or custom (70/10/20 ratio split); default: from the file name")] public string? Data { get; set; }
    [CommandOption("--root_path|--root-path"), Description("folder of the data file"), DefaultValue("data/ett/")] public string RootPath { get; set; } = "data/ett/";
    [CommandOption("--data_path|--data-path"), Description("data file (CSV with a date column)"), DefaultValue("ETTh1.csv")] public string DataPath { get; set; } = "ETTh1.csv";
    [CommandOption("--features"), Description("M (multivariate), S (univariate), MS (multivariate -> target)"), DefaultValue("M")] public string Features { get; set; } = "M";
    [CommandOption("--target"), Description("target column for S and MS"), DefaultValue("OT")] public string Target { get; set; } = "OT";
    [CommandOption("--freq"), Description("s, t (or 15min), h, d, b, w, m"), DefaultValue("h")] public string Freq { get; set; } = "h";
    [CommandOption("--date_column|--date-column"), Description("time column name"), DefaultValue("date")] public string DateColumn { get; set; } = "date";
    [CommandOption("--checkpoints"), Description("folder for checkpoints"), DefaultValue("./checkpoints/")] public string Checkpoints { get; set; } = "./checkpoints/";
    [CommandOption("--seq_len|--seq-len"), DefaultValue(96)] public int SeqLen { get; set; } = 96;
    [CommandOption("--label_len|--label-len"), DefaultValue(48)] public int LabelLen { get; set; } = 48;
    [CommandOption("--pred_len|--pred-len"), DefaultValue(24)] public int PredLen { get; set; } = 24;
    [CommandOption("--enc_in|--enc-in"), Description("default: from the data (M/MS: all columns, S: 1)")] public int? EncIn { get; set; }
    [CommandOption("--dec_in|--dec-in"), Description("default: from the data")] public int? DecIn { get; set; }
    [CommandOption("--c_out|--c-out"), Description("default: from the data (M: all columns, S/MS: 1)")] public int? COut { get; set; }
    [CommandOption("--d_model|--d-model"), DefaultValue(512)] public int DModel { get; set; } = 512;
    [CommandOption("--n_heads|--n-heads"), DefaultValue(8)] public int NHeads { get; set; } = 8;
    [CommandOption("--e_layers|--e-layers"), DefaultValue(2)] public int ELayers { get; set; } = 2;
    [CommandOption("--d_layers|--d-layers"), DefaultValue(1)] public int DLayers { get; set; } = 1;
    [CommandOption("--s_layers|--s-layers"), Description("encoder depths of informerstack"), DefaultValue("3,2,1")] public string SLayers { get; set; } = "3,2,1";
    [CommandOption("--d_ff|--d-ff"), DefaultValue(2048)] public int DFf { get; set; } = 2048;
    [CommandOption("--factor"), Description("ProbSparse factor c"), DefaultValue(5)] public int Factor { get; set; } = 5;
    [CommandOption("--padding"), Description("0: zeros, 1: ones as decoder placeholders"), DefaultValue(0)] public int Padding { get; set; }
    [CommandOption("--distil"), Description("as the official flag: giving it turns distilling OFF")] public bool DistilOff { get; set; }
    [CommandOption("--dropout"), DefaultValue(0.05)] public double Dropout { get; set; } = 0.05;
    [CommandOption("--attn"), Description("prob or full"), DefaultValue("prob")] public string Attn { get; set; } = "prob";
    [CommandOption("--embed"), Description("timeF, fixed or learned"), DefaultValue("timeF")] public string Embed { get; set; } = "timeF";
    [CommandOption("--activation"), DefaultValue("gelu")] public string Activation { get; set; } = "gelu";
    [CommandOption("--mix"), Description("as the official flag: giving it turns mix OFF")] public bool MixOff { get; set; }
    [CommandOption("--do_predict|--do-predict"), Description("after training, forecast past the end of the file")] public bool DoPredict { get; set; }
    [CommandOption("--itr"), Description("experiment repeats"), DefaultValue(2)] public int Itr { get; set; } = 2;
    [CommandOption("--train_epochs|--train-epochs"), DefaultValue(6)] public int TrainEpochs { get; set; } = 6;
    [CommandOption("--batch_size|--batch-size"), DefaultValue(32)] public int BatchSize { get; set; } = 32;
    [CommandOption("--patience"), DefaultValue(3)] public int Patience { get; set; } = 3;
    [CommandOption("--learning_rate|--learning-rate"), DefaultValue(1e-4)] public double LearningRate { get; set; } = 1e-4;
    [CommandOption("--des"), Description("experiment description (part of the setting name)"), DefaultValue("test")] public string Des { get; set; } = "test";
    [CommandOption("--loss"), Description("mse (the only loss the official code uses)"), DefaultValue("mse")] public string Loss { get; set; } = "mse";
    [CommandOption("--lradj"), Description("type1 or type2"), DefaultValue("type1")] public string Lradj { get; set; } = "type1";
    [CommandOption("--seed"), Description("torch and shuffling seed (zoo addition)"), DefaultValue(2021L)] public long Seed { get; set; } = 2021;
    [CommandOption("--max_steps|--max-steps"), Description("cap on training batches per epoch, for CPU budgets (zoo addition)")] public int? MaxSteps { get; set; }
    [CommandOption("--threads"), Description("torch intra-op threads (zoo addition; default: libtorch's choice)")] public int? Threads { get; set; }

    public override ValidationResult Validate()
    {
        if (Loss != "mse") return ValidationResult.Error("--loss: only mse is supported (the official code always uses MSELoss).");
        if (Itr < 1) return ValidationResult.Error("--itr must be at least 1.");
        if (Padding is not (0 or 1)) return ValidationResult.Error("--padding must be 0 or 1.");
        return ValidationResult.Success();
    }

    public string DataFile => Path.Combine(RootPath, DataPath);

    public SplitScheme Scheme => Data?.ToUpperInvariant() switch
    {
        null => SplitScheme.Auto,
        "ETTH1" or "ETTH2" => SplitScheme.EttHour,
        "ETTM1" or "ETTM2" => SplitScheme.EttMinute,
        _ => SplitScheme.Ratio,
    };

    public DataOptions DataOptions() => new()
    {
        Path = DataFile, Features = Features, Target = Target, Freq = Freq, Embed = Embed, DateColumn = DateColumn,
        SeqLen = SeqLen, LabelLen = LabelLen, PredLen = PredLen, Split = Scheme,
    };

    public InformerConfig ModelConfig(ForecastDataset data) => new()
    {
        Model = Model,
        EncIn = EncIn ?? data.ModelWidths.EncIn,
        DecIn = DecIn ?? data.ModelWidths.DecIn,
        COut = COut ?? data.ModelWidths.COut,
        SeqLen = SeqLen, LabelLen = LabelLen, OutLen = PredLen, Factor = Factor, DModel = DModel, NHeads = NHeads,
        ELayers = ELayers, DLayers = DLayers,
        SLayers = SLayers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
        DFf = DFf, Dropout = Dropout, Attn = Attn, Embed = Embed, Freq = Freq, Activation = Activation,
        Distil = !DistilOff, Mix = !MixOff,
    };

    public TrainOptions TrainOptions(int itr) => new()
    {
        TrainEpochs = TrainEpochs, BatchSize = BatchSize, Patience = Patience, LearningRate = LearningRate,
        Lradj = Lradj, Padding = Padding, Seed = Seed + itr, MaxStepsPerEpoch = MaxSteps,
    };

    /// <summary>The official setting name, e.g. informer_ETTh1_ftM_sl96_ll48_pl24_dm512_nh8_el2_dl1_df2048_atprob_fc5_ebtimeF_dtTrue_mxTrue_test_0.</summary>
    public string Setting(int itr) =>
        $"{Model}_{Data ?? Path.GetFileNameWithoutExtension(DataPath)}_ft{Features}_sl{SeqLen}_ll{LabelLen}_pl{PredLen}_dm{DModel}_nh{NHeads}_el{(Model == "informerstack" ? SLayers.Replace(",", "") : ELayers.ToString(CultureInfo.InvariantCulture))}_dl{DLayers}_df{DFf}_at{Attn}_fc{Factor}_eb{Embed}_dt{!DistilOff}_mx{!MixOff}_{Des}_{itr}";
}

public sealed class InformerTrainCommand : Command<InformerTrainSettings>
{
    public override int Execute(CommandContext context, InformerTrainSettings s, CancellationToken cancellationToken)
    {
        if (s.Threads is { } n) TorchSharp.torch.set_num_threads(n);
        var device = ZooRuntime.Device;
        var data = new ForecastDataset(s.DataOptions());
        AnsiConsole.MarkupLineInterpolated($"[bold]Informer[/] on {data.Table.Path}: {data.Table.Rows} rows, features {data.Features} ({string.Join(", ", data.Columns)}), split {data.Scheme}: train {data.Split("train").Count} / val {data.Split("val").Count} / test {data.Split("test").Count} windows");
        var results = new List<Metrics>();
        for (int itr = 0; itr < s.Itr; itr++)
        {
            var setting = s.Setting(itr);
            var dir = Path.Combine(s.Checkpoints, setting);
            TorchSharp.torch.manual_seed(s.Seed + itr);
            var config = s.ModelConfig(data);
            using var model = new InformerModel(config);
            model.to(device);
            AnsiConsole.MarkupLineInterpolated($">>>>>>> start training: [blue]{setting}[/] ({model.parameters().Sum(p => p.numel()):N0} parameters, device {device})");
            var result = InformerRunner.TrainWithProgress(model, data, s.TrainOptions(itr), dir, device);
            var metrics = InformerTraining.Evaluate(model, data.Split("test"), s.BatchSize, data.Features, s.Padding, device);
            results.Add(metrics);
            AnsiConsole.MarkupLineInterpolated($">>>>>>> testing: [bold]mse {metrics.Mse:F4}, mae {metrics.Mae:F4}[/] on {metrics.Windows} scaled test windows (best epoch {result.BestEpoch}, checkpoint {dir})");
            ForecastPlot.Losses(Path.Combine(dir + ".loss.png"), setting, result.Epochs);
            if (s.DoPredict)
            {
                var r = InformerPrediction.Predict(model, data, device);
                InformerPrediction.WriteCsv(Path.Combine(dir + ".forecast.csv"), r, data.Options.DateColumn);
                InformerPrediction.WritePlot(Path.Combine(dir + ".forecast.png"), r, $"Informer forecast after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm}");
                AnsiConsole.MarkupLineInterpolated($"forecast written: {dir}.forecast.csv, {dir}.forecast.png");
            }
        }
        if (results.Count > 1)
            AnsiConsole.MarkupLineInterpolated($"mean over {results.Count} runs: mse {results.Average(r => r.Mse):F4}, mae {results.Average(r => r.Mae):F4}");
        return 0;
    }
}

public sealed class InformerEvalSettings : CommandSettings
{
    [CommandArgument(0, "[CHECKPOINT]"), Description("checkpoint folder written by zoo train informer")] public string? CheckpointArg { get; set; }
    [CommandOption("--checkpoint"), Description("checkpoint folder (alternative to the argument)")] public string? Checkpoint { get; set; }
    [CommandOption("--data_path|--data-path"), Description("evaluate on another file with the same columns (default: the training file)")] public string? DataPath { get; set; }
    [CommandOption("--batch_size|--batch-size"), DefaultValue(32)] public int BatchSize { get; set; } = 32;
    [CommandOption("--split"), Description("train, val or test"), DefaultValue("test")] public string Split { get; set; } = "test";

    public string Folder => Checkpoint ?? CheckpointArg ?? throw new ArgumentException("Give the checkpoint folder: zoo eval informer CHECKPOINT (or --checkpoint DIR).");
}

public sealed class InformerEvalCommand : Command<InformerEvalSettings>
{
    public override int Execute(CommandContext context, InformerEvalSettings s, CancellationToken cancellationToken)
    {
        var device = ZooRuntime.Device;
        var (model, options, scaler, _) = InformerCheckpoint.Load(s.Folder, s.DataPath);
        using (model)
        {
            model.to(device);
            var data = new ForecastDataset(options, scaler: s.DataPath is null ? null : scaler);
            var m = InformerTraining.Evaluate(model, data.Split(s.Split), s.BatchSize, data.Features, 0, device);
            AnsiConsole.MarkupLineInterpolated($"{s.Folder} on {data.Table.Path} ({s.Split}, {m.Windows} windows, features {data.Features}, scaled): [bold]mse {m.Mse:F4}, mae {m.Mae:F4}[/] (rmse {m.Rmse:F4})");
        }
        return 0;
    }
}

public sealed class InformerPredictSettings : CommandSettings
{
    [CommandArgument(0, "[CHECKPOINT]"), Description("checkpoint folder written by zoo train informer")] public string? CheckpointArg { get; set; }
    [CommandOption("--checkpoint")] public string? Checkpoint { get; set; }
    [CommandOption("--data_path|--data-path"), Description("series to forecast (default: the training file); its columns must match")] public string? DataPath { get; set; }
    [CommandOption("--at"), Description("forecast after this many rows instead of after the end of the file (the truth is then plotted too)")] public int? At { get; set; }
    [CommandOption("--output|-o"), Description("output file prefix"), DefaultValue("forecast")] public string Output { get; set; } = "forecast";

    public string Folder => Checkpoint ?? CheckpointArg ?? throw new ArgumentException("Give the checkpoint folder: zoo predict informer CHECKPOINT (or --checkpoint DIR).");
}

public sealed class InformerPredictCommand : Command<InformerPredictSettings>
{
    public override int Execute(CommandContext context, InformerPredictSettings s, CancellationToken cancellationToken)
    {
        var device = ZooRuntime.Device;
        var (model, options, scaler, columns) = InformerCheckpoint.Load(s.Folder, s.DataPath);
        using (model)
        {
            model.to(device);
            // The training scaler maps the model's outputs back to original units, whatever file is forecast.
            var data = new ForecastDataset(options with { Split = SplitScheme.None }, scaler: scaler);
            if (!data.Columns.SequenceEqual(columns))
                throw new InvalidDataException($"{data.Table.Path}: columns {string.Join(", ", data.Columns)} differ from the checkpoint's {string.Join(", ", columns)}.");
            var r = InformerPrediction.Predict(model, data, device, s.At);
            InformerPrediction.WriteCsv(s.Output + ".csv", r, options.DateColumn);
            InformerPrediction.WritePlot(s.Output + ".png", r, $"Informer: {options.PredLen} steps after {r.HistoryTime[^1]:yyyy-MM-dd HH:mm}");
            InformerRunner.PrintForecast(r);
            AnsiConsole.MarkupLineInterpolated($"written: {s.Output}.csv (original units), {s.Output}.png");
        }
        return 0;
    }
}
