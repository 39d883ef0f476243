namespace Zoo.TestPlugins.WrongContract;

/// <summary>Built against contracts 2.0: the host (1.0) must refuse it with a clear reason.</summary>
public sealed class FutureFactory : Zoo.Core.IModelFactoryV2
{
}
