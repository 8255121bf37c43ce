package dev.jmae.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An indexed list of modules (torch.nn.ModuleList); children are keyed 0, 1, 2, ... so their
 * parameters appear as {@code blocks.0.norm1.weight}.
 *
 * @param <M> the element type
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {

    private final List<M> items = new ArrayList<>();

    /** Creates an empty list. */
    public ModuleList() {
    }

    /**
     * Creates a list.
     *
     * @param modules the modules, in order
     */
    public ModuleList(List<M> modules) {
        modules.forEach(this::add);
    }

    /**
     * Appends a module under the next index.
     *
     * @param m the module
     * @return m
     */
    public M add(M m) {
        registerModule(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    /** @param i index @return the module */
    public M get(int i) {
        return items.get(i);
    }

    /** @return the number of modules */
    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return List.copyOf(items).iterator();
    }
}
