package dev.jmae.tensor;

/**
 * Storage in a Java {@code float[]} on the heap, used by the {@code reference} and {@code cpu}
 * backends (tensors move between them without copying semantics changing).
 */
public final class HeapStorage extends Storage {

    private float[] data;

    /**
     * Allocates a zero-filled storage.
     *
     * @param device the owning device (reference or cpu)
     * @param numel the number of elements
     * @param stats the backend's counters
     */
    public HeapStorage(Device device, int numel, MemoryStats stats) {
        super(device, numel, stats, null);
        this.data = new float[numel];
    }

    /**
     * The elements.
     *
     * @return the backing array (not a copy)
     * @throws IllegalStateException if the storage was released
     */
    public float[] data() {
        float[] d = data;
        if (d == null) {
            checkLive();
        }
        return d;
    }

    @Override
    protected void dropReferences() {
        data = null;
    }
}
