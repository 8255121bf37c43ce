package dev.jmae.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

/**
 * A block of float32 elements on one device, shared by a tensor and all its views.
 *
 * <p>A storage is counted in its backend's {@link MemoryStats} from construction until it is
 * released. Release is explicit ({@link #release()}, or the {@link TensorScope} it was allocated
 * in closing) or, if nobody released it, happens when the garbage collector finds it unreachable.
 * Any access to a released storage throws {@link IllegalStateException}, so a stale view can never
 * read memory that was handed to someone else.
 */
public abstract class Storage {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(Storage.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Device device;
    private final int numel;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean released;
    /** The innermost open scope that owns this storage on its allocating thread, or null. */
    TensorScope scope;

    /**
     * Registers a new storage with its backend's counters and the current {@link TensorScope}.
     *
     * @param device the device the elements live on
     * @param numel the number of float32 elements
     * @param stats the backend's counters, charged 4·numel bytes
     * @param freeResources what to run once on release besides uncharging the counters (e.g.
     *     free a device buffer); must not reference this storage; may be null
     */
    protected Storage(Device device, int numel, MemoryStats stats, Runnable freeResources) {
        this.device = device;
        this.numel = numel;
        long bytes = 4L * numel;
        stats.allocated(bytes);
        this.cleanable = CLEANER.register(this, new Free(stats, bytes, freeResources));
        TensorScope.adopt(this);
    }

    /**
     * The device the elements live on.
     *
     * @return the device
     */
    public final Device device() {
        return device;
    }

    /**
     * The number of float32 elements.
     *
     * @return element count
     */
    public final int numel() {
        return numel;
    }

    /**
     * The size in bytes (4 per element).
     *
     * @return bytes
     */
    public final long sizeBytes() {
        return 4L * numel;
    }

    /**
     * Whether this storage has been released.
     *
     * @return true after {@link #release()}
     */
    public final boolean isReleased() {
        return released;
    }

    /**
     * Frees the elements now and uncharges the counters; idempotent. Every tensor viewing this
     * storage becomes unusable.
     */
    public final void release() {
        // compare-and-set: two threads releasing at once must not both drop the references (a heap
        // storage's array would be cached twice and handed to two storages)
        if (RELEASED.compareAndSet(this, false, true)) {
            dropReferences();
            cleanable.clean();
        }
    }

    /**
     * Throws if this storage has been released.
     *
     * @throws IllegalStateException if released
     */
    public final void checkLive() {
        if (released) {
            throw new IllegalStateException("tensor storage (" + numel + " elements on " + device
                    + ") was released (by Tensor.release or a closed TensorScope) and can no longer be used;"
                    + " hint: keep tensors that must outlive a scope with TensorScope.keep");
        }
    }

    /**
     * Lets subclasses drop their references to the elements so the memory can be reclaimed or
     * reused early. Called once, on the releasing thread, and only for an explicit release (a
     * storage the garbage collector found unreachable is not called back).
     */
    protected abstract void dropReferences();

    private record Free(MemoryStats stats, long bytes, Runnable freeResources) implements Runnable {
        @Override
        public void run() {
            try {
                if (freeResources != null) {
                    freeResources.run();
                }
            } finally {
                stats.freed(bytes);
            }
        }
    }
}
