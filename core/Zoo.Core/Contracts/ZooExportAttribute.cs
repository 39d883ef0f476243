using System.ComponentModel;
using System.Composition;

namespace Zoo.Core;

/// <summary>
/// Exports a Zoo component (model factory, continual learner, unlearner, tiler, ...) with the metadata
/// the host lists without instantiating anything. Apply it to a class that implements the contract type.
/// </summary>
[MetadataAttribute]
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ZooExportAttribute : ExportAttribute
{
    public ZooExportAttribute(Type contract, string name) : base(contract)
    {
        Name = name;
    }

    /// <summary>Short, lower-case name users type (e.g. "informer").</summary>
    public string Name { get; }

    /// <summary>Task, one of <see cref="ZooTasks"/>.</summary>
    public string Task { get; set; } = ZooTasks.Other;

    /// <summary>Title of the paper the component implements.</summary>
    public string Paper { get; set; } = "";

    /// <summary>arXiv identifier of the paper, e.g. "2012.07436".</summary>
    public string ArxivId { get; set; } = "";

    /// <summary>One sentence for <c>zoo list</c>.</summary>
    public string Summary { get; set; } = "";
}

/// <summary>Metadata view of <see cref="ZooExportAttribute"/> (System.Composition needs a concrete class).</summary>
public sealed class ZooMetadata
{
    public string Name { get; set; } = "";

    [DefaultValue(ZooTasks.Other)]
    public string Task { get; set; } = ZooTasks.Other;

    [DefaultValue("")]
    public string Paper { get; set; } = "";

    [DefaultValue("")]
    public string ArxivId { get; set; } = "";

    [DefaultValue("")]
    public string Summary { get; set; } = "";
}

/// <summary>Task names used in metadata.</summary>
public static class ZooTasks
{
    public const string Forecasting = "time-series-forecasting";
    public const string ImageClassification = "image-classification";
    public const string VideoClassification = "video-classification";
    public const string SequenceModeling = "sequence-modeling";
    public const string Memory = "memory";
    public const string ContinualLearning = "continual-learning";
    public const string Unlearning = "unlearning";
    public const string Tiling = "whole-slide-tiling";
    public const string Other = "other";
}

/// <summary>The contracts version; plugins built against another major version are refused at discovery.</summary>
public static class ZooContracts
{
    public static Version Version => typeof(ZooContracts).Assembly.GetName().Version ?? new Version(1, 0);
}
