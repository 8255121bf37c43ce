package dev.jmae.gpu;

import org.jocl.cl_mem;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A cache of released device buffers, reused by later allocations of the same size class (a
 * caching allocator, like PyTorch's): creating a buffer is a driver call and, on CPU drivers,
 * fresh memory costs a page fault per 4 KiB on first touch, which made small ops several times
 * slower than their kernels.
 *
 * <p>Reuse is safe because each device has one in-order command queue: commands enqueued with
 * the new owner run after every command the previous owner enqueued. Size classes round up to
 * 256 bytes below 64 KiB and to an eighth of the power of two above, so at most 12.5% is wasted.
 * At most {@code capacityBytes} are kept; beyond that, released buffers go back to the driver.
 * Thread-safe (buffers come back from the garbage collector's cleaner thread too).
 *
 * <p>Reserved memory: every buffer created for a storage ({@link #created}) and every one released
 * to the driver is reported to a listener, the backend's {@code MemoryStats.recordReserved}, so the
 * backend's reserved bytes are what its storages and this cache hold.
 */
final class BufferPool {

    private final long capacityBytes;
    private final Map<Long, ArrayDeque<cl_mem>> free = new HashMap<>();
    private long cachedBytes;
    private static final LongConsumer NONE = delta -> {};
    private volatile LongConsumer reservedChanges = NONE;

    BufferPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Where changes of the reserved bytes go (the device's backend's
     * {@code MemoryStats::recordReserved}); the first listener set stays (a device has one pool and
     * one registered backend; its variant siblings share the backend's counters).
     *
     * @param listener receives +bytes for each buffer created, -bytes for each released
     */
    synchronized void reservedListener(LongConsumer listener) {
        if (reservedChanges == NONE) {
            reservedChanges = listener;
        }
    }

    /**
     * Records a buffer created for a storage (taken from the driver).
     *
     * @param classBytes its size class
     */
    void created(long classBytes) {
        reservedChanges.accept(classBytes);
    }

    /**
     * The size class of a request.
     *
     * @param bytes requested bytes
     * @return the bytes a buffer of that class has (at least 256)
     */
    static long sizeClass(long bytes) {
        long b = Math.max(256, bytes);
        if (b <= 65536) {
            return (b + 255) & ~255L;
        }
        long step = Long.highestOneBit(b - 1) / 8;
        return (b + step - 1) / step * step;
    }

    /**
     * A cached buffer of exactly this class, or null.
     *
     * @param classBytes a value of {@link #sizeClass}
     * @return the buffer, now owned by the caller, or null
     */
    synchronized cl_mem take(long classBytes) {
        ArrayDeque<cl_mem> q = free.get(classBytes);
        if (q == null || q.isEmpty()) {
            return null;
        }
        cachedBytes -= classBytes;
        return q.pop();
    }

    /**
     * Keeps a released buffer for reuse, or releases it when the cache is full.
     *
     * @param mem the buffer, no longer referenced by any storage
     * @param classBytes its size class
     */
    void recycle(cl_mem mem, long classBytes) {
        synchronized (this) {
            if (cachedBytes + classBytes <= capacityBytes) {
                free.computeIfAbsent(classBytes, k -> new ArrayDeque<>()).push(mem);
                cachedBytes += classBytes;
                return;
            }
        }
        ClRuntime.releaseBuffer(mem);
        reservedChanges.accept(-classBytes);
    }

    /** Releases every cached buffer to the driver. */
    void clear() {
        Map<Long, ArrayDeque<cl_mem>> drained;
        synchronized (this) {
            drained = new HashMap<>(free);
            free.clear();
            cachedBytes = 0;
        }
        for (Map.Entry<Long, ArrayDeque<cl_mem>> e : drained.entrySet()) {
            for (cl_mem m : e.getValue()) {
                ClRuntime.releaseBuffer(m);
                reservedChanges.accept(-e.getKey());
            }
        }
    }

    /** @return bytes held in the cache (device memory reserved but not in any tensor) */
    synchronized long cachedBytes() {
        return cachedBytes;
    }
}
