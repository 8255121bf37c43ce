package dev.jmae.tensor;

import java.lang.ref.SoftReference;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A cache of the float arrays of released {@link HeapStorage}s, handed to later storages of the
 * same length: a caching allocator, like PyTorch's for CUDA memory (and this project's
 * {@code BufferPool} for OpenCL buffers). A training step runs in a {@link TensorScope}, so the
 * next step takes the previous step's arrays instead of the JVM allocating and zeroing new ones:
 * 0.7 GB a step at the {@code fashion_mnist_crossmae} preset, whose zeroing took the main thread
 * about 16 ms a step while the other threads waited, and three times as many garbage collections
 * (docs/benchmarks.md, "The heap array cache").
 *
 * <p>Only explicit releases ({@link Storage#release()}, a closing scope) give arrays back: an array
 * whose storage the garbage collector found unreachable is gone with it. A reused array holds the
 * values of the tensor it last belonged to; storage contents are unspecified until written
 * ({@link Backend#allocate}). With {@code fillNaN} every array handed out, new or reused, is filled
 * with NaN first, so that code which reads an element it never wrote shows up as NaN; the test
 * suite runs this way (system property {@code jmae.fillUninitializedMemory=true}, like PyTorch's
 * {@code torch.utils.deterministic.fill_uninitialized_memory}).
 *
 * <p>Memory: arrays are kept through soft references, so the collector takes them back before it
 * would throw {@code OutOfMemoryError}; arrays shorter than {@code minFloats} are not kept (the
 * JVM allocates small arrays cheaply from thread-local buffers). Exact lengths only: a kernel may
 * rely on an array's length. Lengths are looked up by value, arrays within a length last released
 * first taken (the most likely to still be in a cache).
 *
 * <p>Thread-safe.
 */
final class HeapArrayPool {

    /** Arrays of fewer floats than this (16 KiB) are not cached by the default pool. */
    static final int MIN_FLOATS = 4096;

    /**
     * The pool behind every {@link HeapStorage}: caching unless the system property
     * {@code jmae.heapCache} is {@code false}, filling with NaN when
     * {@code jmae.fillUninitializedMemory} is {@code true}.
     */
    static final HeapArrayPool DEFAULT = new HeapArrayPool(
            Settings.heapCache() ? MIN_FLOATS : Integer.MAX_VALUE, Settings.fillUninitializedMemory());

    private final int minFloats;
    private final boolean fillNaN;
    private final Map<Integer, ConcurrentLinkedDeque<SoftReference<float[]>>> free = new ConcurrentHashMap<>();

    /**
     * A pool.
     *
     * @param minFloats the shortest array kept for reuse (Integer.MAX_VALUE keeps none)
     * @param fillNaN fill every array handed out with NaN
     * @throws IllegalArgumentException if minFloats is below 1
     */
    HeapArrayPool(int minFloats, boolean fillNaN) {
        if (minFloats < 1) {
            throw new IllegalArgumentException("HeapArrayPool: expected minFloats >= 1, got " + minFloats);
        }
        this.minFloats = minFloats;
        this.fillNaN = fillNaN;
    }

    /**
     * An array of exactly {@code length} floats, now owned by the caller: a cached one (holding
     * old values) if there is one, else a new one (zeros); NaN throughout when filling.
     *
     * @param length the number of floats, at least 0
     * @return the array
     */
    float[] take(int length) {
        float[] a = null;
        if (length >= minFloats) {
            ConcurrentLinkedDeque<SoftReference<float[]>> q = free.get(length);
            SoftReference<float[]> ref;
            while (a == null && q != null && (ref = q.pollFirst()) != null) {
                a = ref.get();  // null when the collector took it back
            }
        }
        if (a == null) {
            a = new float[length];
        }
        if (fillNaN) {
            Arrays.fill(a, Float.NaN);
        }
        return a;
    }

    /**
     * Keeps an array for a later {@link #take} of its length. The caller must hold the only
     * reference that will ever be used again: the array is handed out as it is.
     *
     * @param a the array of a released storage
     */
    void give(float[] a) {
        if (a.length >= minFloats) {
            free.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).offerFirst(new SoftReference<>(a));
        }
    }

    /**
     * The bytes held for reuse (heap memory in no tensor); walks the cache.
     *
     * @return 4 bytes per cached float
     */
    long cachedBytes() {
        long bytes = 0;
        for (ConcurrentLinkedDeque<SoftReference<float[]>> q : free.values()) {
            for (SoftReference<float[]> ref : q) {
                float[] a = ref.get();
                if (a != null) {
                    bytes += 4L * a.length;
                }
            }
        }
        return bytes;
    }

    /** Drops every cached array, for the garbage collector to reclaim. */
    void clear() {
        free.clear();
    }
}
