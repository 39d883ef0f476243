using System.ComponentModel;
using System.Globalization;
using Zoo.Core;

namespace Zoo.Plugins.Informer;

/// <summary>
/// The options of the official main_informer.py under the same names (the host adds <c>--seq_len</c> beside
/// <c>--seq-len</c>). Model-shape options are null unless given: the preset (default: the paper's) supplies them.
/// <c>--data</c>, <c>--train_epochs</c>, <c>--batch_size</c>, <c>--learning_rate</c>, <c>--seed</c> and
/// <c>--max_steps</c> are the host's common options (<see cref="InformerTrainRecipe.CommonAliases"/>).
/// </summary>
public sealed class InformerTrainOptions
{
    [Description("informer or informerstack (default: the preset's)"), AllowedValues("informer", "informerstack")] public string? Model { get; set; }

    [Description("folder of the data file (--data FILE gives the file directly)")] public string RootPath { get; set; } = "data/ett/";

    [Description("data file (CSV with a date column)")] public string DataPath { get; set; } = "ETTh1.csv";

    [Description("M (multivariate), S (univariate), MS (multivariate -> target)"), AllowedValues("M", "S", "MS")]
    public string Features { get; set; } = "M";

    [Description("target column for S and MS")] public string Target { get; set; } = "OT";

    [Description("s, t (or 15min), h, d, b, w, m (default: the preset's, h)")] public string? Freq { get; set; }

    [Description("time column name")] public string DateColumn { get; set; } = "date";

    [Description("folder for checkpoints (default: --out, else ./checkpoints/)")] public string? Checkpoints { get; set; }

    [Description("encoder input length (default: the preset's, 96)")] public int? SeqLen { get; set; }

    [Description("start-token length of the decoder (default: the preset's, 48)")] public int? LabelLen { get; set; }

    [Description("prediction horizon (default: the preset's, 24)")] public int? PredLen { get; set; }

    [Description("encoder input width (default: from the data; M/MS: all columns, S: 1)")] public int? EncIn { get; set; }

    [Description("decoder input width (default: from the data)")] public int? DecIn { get; set; }

    [Description("output width (default: from the data; M: all columns, S/MS: 1)")] public int? COut { get; set; }

    [Description("model width (default: the preset's, 512)")] public int? DModel { get; set; }

    [Description("attention heads (default: 8)")] public int? NHeads { get; set; }

    [Description("encoder layers (default: 2)")] public int? ELayers { get; set; }

    [Description("decoder layers (default: 1)")] public int? DLayers { get; set; }

    [Description("encoder depths of informerstack, e.g. 3,2,1")] public string? SLayers { get; set; }

    [Description("feed-forward width (default: 2048)")] public int? DFf { get; set; }

    [Description("ProbSparse factor c (default: 5)")] public int? Factor { get; set; }

    [Description("decoder placeholders: 0 zeros, 1 ones"), AllowedValues("0", "1")] public int Padding { get; set; }

    [Description("as the official flag: giving it turns distilling OFF"), OptionName("--distil")] public bool DistilOff { get; set; }

    [Description("dropout (default: 0.05)")] public double? Dropout { get; set; }

    [Description("prob or full (default: prob)"), AllowedValues("prob", "full")] public string? Attn { get; set; }

    [Description("timeF, fixed or learned (default: timeF)"), AllowedValues("timeF", "fixed", "learned")] public string? Embed { get; set; }

    [Description("gelu or relu (default: gelu)"), AllowedValues("gelu", "relu")] public string? Activation { get; set; }

    [Description("as the official flag: giving it turns mix OFF"), OptionName("--mix")] public bool MixOff { get; set; }

    [Description("after training, forecast past the end of the file")] public bool DoPredict { get; set; }

    [Description("experiment repeats")] public int Itr { get; set; } = 2;

    [Description("early-stopping patience in epochs")] public int Patience { get; set; } = 3;

    [Description("experiment description (part of the setting name)")] public string Des { get; set; } = "test";

    [Description("mse (the only loss the official code uses)"), AllowedValues("mse")] public string Loss { get; set; } = "mse";

    [Description("type1 (halve every epoch from the 2nd) or type2 (fixed table)"), AllowedValues("type1", "type2")]
    public string Lradj { get; set; } = "type1";

    /// <summary>Throws on values the official script rejects.</summary>
    public void Validate()
    {
        if (Loss != "mse") throw new ArgumentException("--loss: only mse is supported (the official code always uses MSELoss).");
        if (Itr < 1) throw new ArgumentException("--itr must be at least 1.");
        if (Padding is not (0 or 1)) throw new ArgumentException("--padding must be 0 or 1.");
    }

    /// <summary><c>--data</c> is a file when one exists there; otherwise the official data set name (ETTh1, ETTm1, custom).</summary>
    public static bool IsDataFile(string? data) => data is not null && File.Exists(data);

    /// <summary>The data file: <c>--data FILE</c>, else <c>--root_path</c> + <c>--data_path</c> (found above the working directory).</summary>
    public string DataFile(string? data)
    {
        if (IsDataFile(data)) return data!;
        var path = Path.Combine(RootPath, DataPath);
        return File.Exists(path) ? path : Zoo.Toolkit.Data.ShippedData.Find(path) ?? path;
    }

    /// <summary>The split a data set name selects (ETTh*: hourly paper split, ETTm*: 15-minute, other names: ratio).</summary>
    public static SplitScheme Scheme(string? data) => IsDataFile(data) ? SplitScheme.Auto : data?.ToUpperInvariant() switch
    {
        null => SplitScheme.Auto,
        "ETTH1" or "ETTH2" => SplitScheme.EttHour,
        "ETTM1" or "ETTM2" => SplitScheme.EttMinute,
        _ => SplitScheme.Ratio,
    };

    public DataOptions DataOptions(string? data, InformerConfig preset) => new()
    {
        Path = DataFile(data), Features = Features, Target = Target, Freq = Freq ?? preset.Freq, Embed = Embed ?? preset.Embed,
        DateColumn = DateColumn, SeqLen = SeqLen ?? preset.SeqLen, LabelLen = LabelLen ?? preset.LabelLen,
        PredLen = PredLen ?? preset.OutLen, Split = Scheme(data),
    };

    /// <summary>The preset with every given option laid over it, and the data's widths unless given.</summary>
    public InformerConfig ModelConfig(InformerConfig preset, ForecastDataset data)
    {
        var c = preset.Clone();
        c.Model = Model ?? c.Model;
        (c.EncIn, c.DecIn, c.COut) = (EncIn ?? data.ModelWidths.EncIn, DecIn ?? data.ModelWidths.DecIn, COut ?? data.ModelWidths.COut);
        (c.SeqLen, c.LabelLen, c.OutLen) = (data.Options.SeqLen, data.Options.LabelLen, data.Options.PredLen);
        c.Factor = Factor ?? c.Factor;
        c.DModel = DModel ?? c.DModel;
        c.NHeads = NHeads ?? c.NHeads;
        c.ELayers = ELayers ?? c.ELayers;
        c.DLayers = DLayers ?? c.DLayers;
        if (SLayers != null)
            c.SLayers = SLayers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        c.DFf = DFf ?? c.DFf;
        c.Dropout = Dropout ?? c.Dropout;
        c.Attn = Attn ?? c.Attn;
        (c.Embed, c.Freq) = (data.Options.Embed, data.Options.Freq);
        c.Activation = Activation ?? c.Activation;
        c.Distil = c.Distil && !DistilOff;
        c.Mix = c.Mix && !MixOff;
        return c;
    }

    /// <summary>The official setting name, e.g. informer_ETTh1_ftM_sl96_ll48_pl24_dm512_nh8_el2_dl1_df2048_atprob_fc5_ebtimeF_dtTrue_mxTrue_test_0.</summary>
    public string Setting(InformerConfig c, string? data, int itr)
    {
        var name = data is not null && !IsDataFile(data) ? data : Path.GetFileNameWithoutExtension(IsDataFile(data) ? data : DataPath);
        var el = c.Model == "informerstack" ? string.Concat(c.SLayers) : c.ELayers.ToString(CultureInfo.InvariantCulture);
        return FormattableString.Invariant(
            $"{c.Model}_{name}_ft{Features}_sl{c.SeqLen}_ll{c.LabelLen}_pl{c.OutLen}_dm{c.DModel}_nh{c.NHeads}_el{el}_dl{c.DLayers}_df{c.DFf}") +
            $"_at{c.Attn}_fc{c.Factor}_eb{c.Embed}_dt{c.Distil}_mx{c.Mix}_{Des}_{itr}";
    }
}
