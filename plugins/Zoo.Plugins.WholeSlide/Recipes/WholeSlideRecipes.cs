using Zoo.Core;

namespace Zoo.Plugins.WholeSlide;

/// <summary>Adds <c>zoo tile wsi</c> and <c>zoo bench wsi</c>.</summary>
[ZooExport(typeof(IRecipeProvider), "wsi", Task = ZooTasks.Tiling,
    Summary = "Whole-slide tiler: tissue detection, tiles at a chosen mpp, CLAM coordinates (CSV/HDF5), DeepZoom, resume and batch "
        + "(NetVips; OpenSlide formats with libopenslide0).")]
public sealed class WholeSlideRecipes : IRecipeProvider
{
    public IEnumerable<IZooRecipe> Recipes => [new TileWsiRecipe(), new BenchWsiRecipe()];
}
