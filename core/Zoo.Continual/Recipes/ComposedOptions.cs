using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using System.Reflection.Emit;
using Zoo.Core;

namespace Zoo.Continual;

/// <summary>
/// One options record made of several (a run's settings and a learner's own options), so that a recipe keeps the
/// single <see cref="IZooRecipe.OptionsType"/> the host binds. <see cref="Compose"/> emits, once per combination, a
/// sealed subclass with one public settable property per property of the parts (same name, type, description,
/// <see cref="OptionNameAttribute"/> and <see cref="AllowedValuesAttribute"/>); each property reads and writes the
/// part instance it came from, so defaults, help and <c>--set key=value</c> all see the parts' own records.
/// The emitted type references only framework types (never a plugin's), so it works for plugins in any load context.
/// </summary>
public abstract class ComposedOptions
{
    private static readonly ConcurrentDictionary<string, Type> Types = new();
    private static readonly ConcurrentDictionary<Type, Layout> Layouts = new();
    private static readonly ModuleBuilder Module = AssemblyBuilder
        .DefineDynamicAssembly(new AssemblyName("Zoo.Continual.ComposedOptions"), AssemblyBuilderAccess.Run)
        .DefineDynamicModule("Zoo.Continual.ComposedOptions");

    private readonly Layout _layout;
    private readonly object[] _parts;

    protected ComposedOptions()
    {
        _layout = Layouts.TryGetValue(GetType(), out var l) ? l : throw new InvalidOperationException($"{GetType().Name} was not made by Compose.");
        _parts = _layout.Parts.Select(t => Activator.CreateInstance(t)!).ToArray();
    }

    /// <summary>The part records, in the order given to <see cref="Compose"/>.</summary>
    public IReadOnlyList<object> Parts => _parts;

    /// <summary>The part of type <typeparamref name="T"/>.</summary>
    public T Part<T>() where T : class => (T)Part(typeof(T));

    /// <summary>The part of type <paramref name="type"/>.</summary>
    public object Part(Type type) => _parts.FirstOrDefault(type.IsInstanceOfType)
        ?? throw new ArgumentException($"{GetType().Name} has no {type.Name} part ({string.Join(", ", _layout.Parts.Select(p => p.Name))}).");

    /// <summary>Replaces a part (e.g. options built in code) with <paramref name="value"/> of the same type.</summary>
    public ComposedOptions With(object value)
    {
        int i = Array.FindIndex(_layout.Parts, t => t == value.GetType());
        if (i < 0) throw new ArgumentException($"{GetType().Name} has no {value.GetType().Name} part.");
        _parts[i] = value;
        return this;
    }

    protected object? GetOption(int index) => _layout.Map[index].Property.GetValue(_parts[_layout.Map[index].Part]);

    protected void SetOption(int index, object? value) => _layout.Map[index].Property.SetValue(_parts[_layout.Map[index].Part], value);

    /// <summary>The options properties of a record (public, settable, not indexers, not a record's EqualityContract).</summary>
    public static IEnumerable<PropertyInfo> OptionProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.CanRead && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract");

    /// <summary>The composed type of <paramref name="parts"/> (cached; <paramref name="name"/> names it in messages).</summary>
    public static Type Compose(string name, params Type[] parts)
    {
        var key = name + "|" + string.Join("|", parts.Select(p => p.AssemblyQualifiedName));
        return Types.GetOrAdd(key, _ => Emit(name, parts));
    }

    /// <summary>A new instance of the composed type of the parts' types, holding <paramref name="parts"/> themselves.</summary>
    public static ComposedOptions Create(string name, params object[] parts)
    {
        var o = (ComposedOptions)Activator.CreateInstance(Compose(name, parts.Select(p => p.GetType()).ToArray()))!;
        foreach (var p in parts) o.With(p);
        return o;
    }

    private static Type Emit(string name, Type[] parts)
    {
        foreach (var p in parts)
            if (p.GetConstructor(Type.EmptyTypes) is null) throw new ArgumentException($"{p.Name}: an options record needs a parameterless constructor.");
        var map = parts.SelectMany((t, i) => OptionProperties(t).Select(p => (Part: i, Property: p))).ToArray();
        foreach (var dup in map.GroupBy(m => m.Property.Name).Where(g => g.Count() > 1))
            throw new ArgumentException($"{name}: option {dup.Key} is defined by both {string.Join(" and ", dup.Select(d => parts[d.Part].Name))}.");
        lock (Module)
        {
            var safe = new string(name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
            var tb = Module.DefineType($"Zoo.Continual.Composed.{safe}_{Types.Count}", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class,
                typeof(ComposedOptions));
            var baseCtor = typeof(ComposedOptions).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes)!;
            var ctor = tb.DefineConstructor(MethodAttributes.Public, CallingConventions.Standard, Type.EmptyTypes).GetILGenerator();
            ctor.Emit(OpCodes.Ldarg_0);
            ctor.Emit(OpCodes.Call, baseCtor);
            ctor.Emit(OpCodes.Ret);
            var get = typeof(ComposedOptions).GetMethod(nameof(GetOption), BindingFlags.NonPublic | BindingFlags.Instance)!;
            var set = typeof(ComposedOptions).GetMethod(nameof(SetOption), BindingFlags.NonPublic | BindingFlags.Instance)!;
            for (int i = 0; i < map.Length; i++) EmitProperty(tb, map[i].Property, i, get, set);
            var type = tb.CreateType();
            Layouts[type] = new Layout(parts, map);
            return type;
        }
    }

    private static void EmitProperty(TypeBuilder tb, PropertyInfo source, int index, MethodInfo get, MethodInfo set)
    {
        var t = source.PropertyType;
        const MethodAttributes attrs = MethodAttributes.Public | MethodAttributes.SpecialName | MethodAttributes.HideBySig;
        var pb = tb.DefineProperty(source.Name, PropertyAttributes.None, t, null);
        var getter = tb.DefineMethod("get_" + source.Name, attrs, t, Type.EmptyTypes);
        var il = getter.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4, index);
        il.Emit(OpCodes.Call, get);
        il.Emit(t.IsValueType ? OpCodes.Unbox_Any : OpCodes.Castclass, t);
        il.Emit(OpCodes.Ret);
        var setter = tb.DefineMethod("set_" + source.Name, attrs, null, [t]);
        il = setter.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4, index);
        il.Emit(OpCodes.Ldarg_1);
        if (t.IsValueType) il.Emit(OpCodes.Box, t);
        il.Emit(OpCodes.Call, set);
        il.Emit(OpCodes.Ret);
        pb.SetGetMethod(getter);
        pb.SetSetMethod(setter);
        foreach (var a in source.GetCustomAttributesData().Where(a => CopiedAttributes.Contains(a.AttributeType)))
            pb.SetCustomAttribute(new CustomAttributeBuilder(a.Constructor, a.ConstructorArguments.Select(Value).ToArray()));
    }

    private static readonly Type[] CopiedAttributes = [typeof(DescriptionAttribute), typeof(OptionNameAttribute), typeof(AllowedValuesAttribute)];

    /// <summary>A constructor argument as the object CustomAttributeBuilder takes (arrays as typed arrays).</summary>
    private static object? Value(CustomAttributeTypedArgument a)
    {
        if (a.Value is not IReadOnlyCollection<CustomAttributeTypedArgument> items) return a.Value;
        var array = Array.CreateInstance(a.ArgumentType.GetElementType()!, items.Count);
        int i = 0;
        foreach (var item in items) array.SetValue(item.Value, i++);
        return array;
    }

    private sealed record Layout(Type[] Parts, (int Part, PropertyInfo Property)[] Map);
}
