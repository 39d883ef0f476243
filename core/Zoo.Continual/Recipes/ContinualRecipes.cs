using Zoo.Core;

namespace Zoo.Continual;

/// <summary>
/// The host verbs over the catalog: one <c>zoo continual NAME</c> recipe per exported <see cref="IContinualLearner"/> and
/// one <c>zoo forget NAME</c> recipe per exported <see cref="IUnlearner"/>, each with the component's own options.
/// </summary>
public static class ContinualRecipes
{
    /// <summary>
    /// One recipe per learner and unlearner in <paramref name="catalog"/>. A component that cannot even report its
    /// options is passed to <paramref name="skipped"/> (null: ignored) and left out: one broken plugin never hides the rest.
    /// </summary>
    public static IReadOnlyList<IZooRecipe> FromCatalog(IZooCatalog catalog, Action<string, Exception>? skipped = null)
    {
        var recipes = new List<IZooRecipe>();
        foreach (var (meta, _, create) in catalog.All<IContinualLearner>())
            Try(meta.Name, () =>
            {
                Type options;
                using (var learner = create()) options = learner.OptionsType;   // cheap: learners allocate tensors in Initialize
                recipes.Add(new ContinualRecipe(meta.Name, options, Describe(meta, "Split-Digits with")));
            });
        foreach (var (meta, _, create) in catalog.All<IUnlearner>())
            Try(meta.Name, () => recipes.Add(new UnlearningRecipe(meta.Name, create().OptionsType, Describe(meta, "Forget digit classes with"))));
        return recipes;

        void Try(string name, Action add)
        {
            try
            {
                add();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                skipped?.Invoke(name, ex);
            }
        }
    }

    private static string Describe(ZooMetadata meta, string prefix) =>
        string.IsNullOrWhiteSpace(meta.Summary) ? $"{prefix} {meta.Name}." : $"{prefix} {meta.Name}: {meta.Summary}";
}
