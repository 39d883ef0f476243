namespace Zoo.Core;

public interface IModelFactoryV2
{
}
