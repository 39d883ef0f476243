namespace Zoo.TestPlugins.Dep;

public class Helper
{
}
