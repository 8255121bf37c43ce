package dev.jmae.tensor;

/**
 * Storage in a Java {@code float[]} on the heap, used by the {@code reference} and {@code cpu}
 * backends (tensors move between them without copying semantics changing). Arrays of released
 * storages are cached for reuse by later storages of the same size ({@link #cachedBytes()},
 * {@link #emptyCache()}; system property {@code jmae.heapCache=false} turns the cache off).
 */
public final class HeapStorage extends Storage {

    private float[] data;

    /**
     * Allocates a storage. Its contents are unspecified: the array may be one a released storage
     * gave back (holding that storage's values), or a new one (zeros); NaN throughout when the
     * system property {@code jmae.fillUninitializedMemory} is {@code true}.
     *
     * @param device the owning device (reference or cpu)
     * @param numel the number of elements
     * @param stats the backend's counters
     */
    public HeapStorage(Device device, int numel, MemoryStats stats) {
        super(device, numel, stats, null);
        this.data = HeapArrayPool.DEFAULT.take(numel);
    }

    /**
     * The elements. The array belongs to this storage until it is released; after that it may be
     * handed to another storage, so no reference to it may be kept past the release.
     *
     * @return the backing array (not a copy), of length {@link #numel()}
     * @throws IllegalStateException if the storage was released
     */
    public float[] data() {
        float[] d = data;
        if (d == null) {
            checkLive();
        }
        return d;
    }

    /**
     * The bytes the heap backends hold in released arrays kept for reuse (heap memory that is in
     * no tensor, so not in any backend's {@link MemoryStats}); like {@code
     * torch.cuda.memory_reserved() - memory_allocated()}. Walks the cache.
     *
     * @return cached bytes
     */
    public static long cachedBytes() {
        return HeapArrayPool.DEFAULT.cachedBytes();
    }

    /**
     * Drops the arrays kept for reuse, for the garbage collector to reclaim (like {@code
     * torch.cuda.empty_cache()}). Not needed to avoid running out of memory: the cache holds its
     * arrays softly, and the collector clears them before it would fail an allocation.
     */
    public static void emptyCache() {
        HeapArrayPool.DEFAULT.clear();
    }

    /** Gives the array to the heap array cache: release is explicit, so no view will read it again. */
    @Override
    protected void dropReferences() {
        float[] d = data;
        data = null;
        if (d != null) {
            HeapArrayPool.DEFAULT.give(d);
        }
    }
}
