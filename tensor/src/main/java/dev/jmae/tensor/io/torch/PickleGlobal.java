package dev.jmae.tensor.io.torch;

/**
 * A reference to a Python global (a class or function, {@code module.name}) that a pickle named
 * but did not call: for instance a dtype such as {@code torch.float16}. Inert.
 *
 * @param module the module, e.g. {@code torch}
 * @param name the (qualified) name, e.g. {@code float16}
 */
public record PickleGlobal(String module, String name) {

    /**
     * {@code module.name}.
     *
     * @return the qualified name
     */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
