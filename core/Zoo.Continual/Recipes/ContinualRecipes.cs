using Zoo.Core;

namespace Zoo.Continual;

/// <summary>
/// The host verbs over the catalog: one <c>zoo continual NAME</c> recipe per exported <see cref="IContinualLearner"/> and
/// one <c>zoo forget NAME</c> recipe per exported <see cref="IUnlearner"/>, each with the component's own options.
/// </summary>
public static class ContinualRecipes
{
    public static IEnumerable<IZooRecipe> FromCatalog(IZooCatalog catalog)
    {
        foreach (var (meta, _, create) in catalog.All<IContinualLearner>())
        {
            Type options;
            using (var learner = create()) options = learner.OptionsType;   // cheap: learners allocate tensors in Initialize
            yield return new ContinualRecipe(meta.Name, options, Describe(meta, "Split-Digits with"));
        }
        foreach (var (meta, _, create) in catalog.All<IUnlearner>())
            yield return new UnlearningRecipe(meta.Name, create().OptionsType, Describe(meta, "Forget digit classes with"));
    }

    private static string Describe(ZooMetadata meta, string prefix) =>
        string.IsNullOrWhiteSpace(meta.Summary) ? $"{prefix} {meta.Name}." : $"{prefix} {meta.Name}: {meta.Summary}";
}
