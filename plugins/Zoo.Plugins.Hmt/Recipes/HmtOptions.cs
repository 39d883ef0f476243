using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zoo.Core;

namespace Zoo.Plugins.Hmt;

/// <summary>
/// Options of <c>zoo train hmt</c> and <c>zoo eval hmt</c>. Model options left unset keep the preset's value (default
/// preset <c>small</c>: backbone hybrid-lm:attention-2l, window 64, k 8, N 100, h 64). Common options: --lr (HMT,
/// default 1e-3), --batch-size (alias --batch, 16), --seed (3407), --data, --out (train: folder), --checkpoint (eval: folder).
/// </summary>
public sealed class HmtOptions
{
    [Description("the backbone sequence model as name[:preset] (default hybrid-lm:attention-2l)")] public string? Backbone { get; set; }

    [Description("JSON object of backbone config fields laid over its preset")] public string? BackboneConfig { get; set; }

    [Description("text (perplexity on --data) or recall (long-range key recall generated in code)")]
    [AllowedValues("text", "recall")]
    public string Task { get; set; } = "text";

    [Description("backbone window L (2 memory slots + sensory + text block; default 64)")] public int? Window { get; set; }

    [Description("k sensory tokens (default 8)")] public int? Sensory { get; set; }

    [Description("N cached memory embeddings (default 100)")] public int? RecallContext { get; set; }

    [Description("h, recall projection width (default 64)")] public int? RecallDim { get; set; }

    [Description("train the backbone with HMT (default: frozen)")] public bool TrainBackbone { get; set; }

    [Description("backbone-alone steps on truncated windows (also the baseline)")] public int PretrainSteps { get; set; } = 400;

    [Description("backbone learning rate")] public double BackboneLr { get; set; } = 3e-3;

    [Description("stage 1: no recall, short unroll")] public int Stage1Steps { get; set; } = 150;

    [Description("stage 1: segments per sample")] public int Stage1Segments { get; set; } = 3;

    [Description("stage 1: segments per gradient unroll")] public int Stage1Unroll { get; set; } = 2;

    [Description("stage 2: recall on, longer unroll with gradient through memory")] public int Stage2Steps { get; set; } = 150;

    [Description("stage 2: segments per sample")] public int Stage2Segments { get; set; } = 8;

    [Description("stage 2: segments per gradient unroll")] public int Stage2Unroll { get; set; } = 8;

    [Description("recall task: number of distinct keys (chance = 1/keys)")] public int Keys { get; set; } = 16;

    [Description("text: segments per evaluation sequence")] public int EvalSegments { get; set; } = 16;

    [Description("text: evaluation sequences; recall: samples per distance")] public int EvalSequences { get; set; } = 64;

    [Description("recall: segment counts to evaluate (key in the first, query at the end of the last)")]
    public string RecallSegments { get; set; } = "2,4,8,16";

    public static readonly IReadOnlyDictionary<string, string> CommonAliases = new Dictionary<string, string> { ["--batch"] = "--batch-size" };

    public void Validate()
    {
        if (Task is not ("text" or "recall")) throw new ArgumentException($"--task must be text or recall, not '{Task}'.");
        if (PretrainSteps < 0 || Stage1Steps < 0 || Stage2Steps < 0 || EvalSegments < 1 || EvalSequences < 1)
            throw new ArgumentException("--eval-segments and --eval-sequences must be positive; step counts >= 0.");
        BackboneJson();
    }

    public JsonObject? BackboneJson() => ParseJson(BackboneConfig);

    public static JsonObject? ParseJson(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new ArgumentException("--backbone-config must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--backbone-config is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Before presets, a bare <c>--backbone hybrid-lm</c> meant HMT's own default backbone config (2 attention layers);
    /// it still does, unless <c>--backbone-config</c> says otherwise.
    /// </summary>
    private string? LegacyBackbone(string? backbone) =>
        backbone == "hybrid-lm" && BackboneConfig is null ? "hybrid-lm:attention-2l" : backbone;

    /// <summary>The HMT configuration: the preset (default small, with --set overrides), then the options given here.</summary>
    public HmtConfig Config(CommonOptions common)
    {
        var cfg = (HmtConfig)new HmtFactory().Configure(common.Preset ?? "small", common.Overrides);
        return cfg with
        {
            Backbone = LegacyBackbone(Backbone) ?? cfg.Backbone, BackboneConfig = BackboneJson() ?? cfg.BackboneConfig,
            SegmentLength = Window ?? cfg.SegmentLength, NumSensory = Sensory ?? cfg.NumSensory,
            MemRecallContext = RecallContext ?? cfg.MemRecallContext, MemRecallHiddenDim = RecallDim ?? cfg.MemRecallHiddenDim,
            FreezeBackbone = !TrainBackbone, UseRecall = true,
        };
    }

    public int[] RecallSegmentCounts() =>
        RecallSegments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 2 ? v
                : throw new ArgumentException($"--recall-segments: '{s}' is not a segment count >= 2.")).ToArray();
}
