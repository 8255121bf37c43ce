package dev.jmae.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A try-with-resources region whose tensors are released when it closes, so memory is returned
 * at a known point (one training step, one evaluation batch) instead of whenever the garbage
 * collector runs, and the backends' live and peak byte counters measure what a step really holds.
 *
 * <pre>{@code
 * try (TensorScope step = TensorScope.open()) {
 *     Tensor loss = model.forward(batch);          // intermediates belong to the scope
 *     lossValue = loss.item();
 *     TensorScope.keep(summary);                   // survives the scope
 * }                                                // everything else is released here
 * }</pre>
 *
 * <p>Every storage allocated on a thread while a scope is open on that thread belongs to the
 * innermost scope. {@link #keep(Tensor)} hands a tensor's storage to the enclosing scope (or to
 * nobody, when the scope is outermost). Using a released tensor throws
 * {@link IllegalStateException}. Scopes are confined to the thread that opened them and must be
 * closed innermost first.
 */
public final class TensorScope implements AutoCloseable {

    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final TensorScope parent;
    private final Thread owner;
    private final List<Storage> owned = new ArrayList<>();
    private boolean closed;

    private TensorScope(TensorScope parent) {
        this.parent = parent;
        this.owner = Thread.currentThread();
    }

    /**
     * Opens a scope nested in the current one (if any) on this thread.
     *
     * @return the new innermost scope
     */
    public static TensorScope open() {
        TensorScope s = new TensorScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /**
     * Moves a tensor's storage (and so every view of it) out of its scope into the enclosing
     * one, or out of all scopes when its scope is the outermost. Tensors not owned by a scope of
     * this thread are returned unchanged.
     *
     * @param tensor the tensor to keep
     * @param <T> the tensor type
     * @return the same tensor, for chaining
     */
    public static <T extends Tensor> T keep(T tensor) {
        Storage st = tensor.storage();
        TensorScope s = st.scope;
        if (s != null && s.owner == Thread.currentThread()) {
            st.scope = s.parent;
            if (s.parent != null) {
                s.parent.owned.add(st);
            }
        }
        return tensor;
    }

    /**
     * Removes a tensor's storage from every scope: it is released only explicitly or by the
     * garbage collector. Used for state that outlives any step (parameter gradients, optimizer
     * moments).
     *
     * @param tensor the tensor
     * @param <T> the tensor type
     * @return the same tensor
     */
    public static <T extends Tensor> T detach(T tensor) {
        Storage st = tensor.storage();
        TensorScope s = st.scope;
        if (s != null && s.owner == Thread.currentThread()) {
            st.scope = null;
        }
        return tensor;
    }

    /**
     * Whether this scope currently owns a tensor's storage (it was allocated while this scope
     * was innermost and has not been kept or detached).
     *
     * @param tensor the tensor
     * @return true if closing this scope would release it
     */
    public boolean owns(Tensor tensor) {
        return tensor.storage().scope == this;
    }

    static void adopt(Storage storage) {
        TensorScope s = CURRENT.get();
        if (s != null) {
            storage.scope = s;
            s.owned.add(storage);
        }
    }

    /**
     * The number of storages this scope currently owns.
     *
     * @return owned storages not yet kept elsewhere
     */
    public int ownedCount() {
        int n = 0;
        for (Storage st : owned) {
            if (st.scope == this) {
                n++;
            }
        }
        return n;
    }

    /**
     * Releases every storage this scope still owns and makes the enclosing scope current.
     * Idempotent.
     *
     * @throws IllegalStateException if called from another thread, or while an inner scope is
     *     still open
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("TensorScope.close: the scope belongs to thread " + owner.getName()
                    + ", not " + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException(
                    "TensorScope.close: an inner scope is still open; close scopes innermost first");
        }
        closed = true;
        for (Storage st : owned) {
            if (st.scope == this) {
                st.scope = null;
                st.release();
            }
        }
        owned.clear();
        if (parent == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(parent);
        }
    }
}
