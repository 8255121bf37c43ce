package dev.jmae.tensor.io.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An object of a class the pickle reader does not build, kept as an inert record: the class's
 * module and name, the arguments the pickle would have called it with, the state it would have
 * set, and any items it would have appended or stored. Nothing is ever called. An
 * {@code argparse.Namespace} (the {@code args} of official MAE/CrossMAE checkpoints) becomes one
 * of these, its arguments in {@link #attributes()}.
 */
public final class PickleObject {

    private final String module;
    private final String name;
    private final List<Object> args;
    private Object state;
    private final List<Object> items = new ArrayList<>();
    private final Map<Object, Object> entries = new LinkedHashMap<>();

    PickleObject(String module, String name, List<Object> args) {
        this.module = module;
        this.name = name;
        this.args = args;
    }

    /**
     * The class's module, e.g. {@code argparse}.
     *
     * @return the module
     */
    public String module() {
        return module;
    }

    /**
     * The class's (qualified) name, e.g. {@code Namespace}.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * {@code module.name}.
     *
     * @return the qualified name
     */
    public String qualifiedName() {
        return module + "." + name;
    }

    /**
     * The arguments of the constructor or reduce call, as the pickle gave them.
     *
     * @return the arguments (unmodifiable)
     */
    public List<Object> args() {
        return args;
    }

    /**
     * The state the pickle set (BUILD), usually a dict of attributes.
     *
     * @return the state, or null if none was set
     */
    public Object state() {
        return state;
    }

    /**
     * The state's attributes, when the state is a dict with string keys (what Python keeps in
     * {@code __dict__}; for {@code argparse.Namespace}, the parsed arguments). A state of the form
     * (dict, slots dict) contributes both dicts.
     *
     * @return name to value, in the pickle's order; empty when the state holds no such dict
     */
    public Map<String, Object> attributes() {
        Map<String, Object> out = new LinkedHashMap<>();
        addAttributes(state, out);
        if (state instanceof List<?> pair && pair.size() == 2) {
            addAttributes(pair.get(0), out);
            addAttributes(pair.get(1), out);
        }
        return Collections.unmodifiableMap(out);
    }

    private static void addAttributes(Object o, Map<String, Object> out) {
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() instanceof String k) {
                    out.put(k, e.getValue());
                }
            }
        }
    }

    /**
     * Items the pickle appended to the object (APPEND, APPENDS, ADDITEMS).
     *
     * @return the items (unmodifiable view)
     */
    public List<Object> items() {
        return Collections.unmodifiableList(items);
    }

    /**
     * Entries the pickle stored into the object (SETITEM, SETITEMS).
     *
     * @return the entries (unmodifiable view)
     */
    public Map<Object, Object> entries() {
        return Collections.unmodifiableMap(entries);
    }

    void setState(Object state) {
        this.state = state;
    }

    List<Object> mutableItems() {
        return items;
    }

    Map<Object, Object> mutableEntries() {
        return entries;
    }

    @Override
    public String toString() {
        return qualifiedName() + "(...)";
    }
}
