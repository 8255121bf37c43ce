package dev.jmae.gpu.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A caching allocator of device memory, after PyTorch's CUDA caching allocator: a released block
 * goes to a free list of its size class <i>on the stream it was allocated for</i>, and the next
 * request of that class on that stream takes it without a driver call. Reuse on the same stream is
 * safe without synchronization: work queued by the new owner runs after all work the previous
 * owner queued. Device memory returns to the driver only in {@link #emptyCache()} (which first
 * waits for the device), or when an allocation fails: then the cache is emptied and the allocation
 * retried once, before reporting out-of-memory.
 *
 * <p>Size classes: requests are rounded up to a multiple of 512 bytes up to 1 MiB, and above that
 * to an eighth of the enclosing power of two (at most 12.5% waste), so blocks of slightly
 * different sizes share classes. Unlike PyTorch, blocks are never split or merged: each block is
 * one {@code cuMemAlloc}. A training step allocates the same sizes every step, so after the first
 * step every request is a cache hit.
 *
 * <p>Counters ({@link #stats()}): reserved bytes (held from the driver: in use plus cached, like
 * {@code torch.cuda.memory_reserved}) and their peak, cached bytes, driver allocations and frees,
 * hits and misses, out-of-memory retries. Live tensor bytes stay in the backend's
 * {@code MemoryStats}. Thread-safe: blocks come back from the garbage collector's cleaner thread.
 */
final class CachingAllocator {

    /** Device memory as the allocator sees it; {@link CudaContext} implements it with the driver. */
    interface DeviceMemory {
        /**
         * Allocates device memory.
         *
         * @param bytes size
         * @return the device address, or 0 if the device is out of memory
         */
        long tryAllocate(long bytes);

        /**
         * Frees device memory (the device has finished with it).
         *
         * @param pointer an address {@link #tryAllocate} returned
         */
        void free(long pointer);

        /** Waits until all queued device work has finished. */
        void synchronize();
    }

    /**
     * One device allocation.
     *
     * @param pointer device address
     * @param bytes its size class (what was allocated)
     * @param stream the stream it is reused on (an opaque id)
     */
    record Block(long pointer, long bytes, long stream) {
    }

    /**
     * A snapshot of the counters.
     *
     * @param reservedBytes device memory held from the driver (in use + cached)
     * @param peakReservedBytes the largest reservedBytes since creation or {@link #resetPeak()}
     * @param cachedBytes reserved memory in free lists, not in any tensor
     * @param deviceAllocations {@code cuMemAlloc} calls that succeeded
     * @param deviceFrees {@code cuMemFree} calls
     * @param cacheHits requests served from a free list
     * @param cacheMisses requests that went to the driver
     * @param outOfMemoryRetries allocations retried after emptying the cache
     */
    record Stats(long reservedBytes, long peakReservedBytes, long cachedBytes, long deviceAllocations,
                 long deviceFrees, long cacheHits, long cacheMisses, long outOfMemoryRetries) {

        /** @return reserved memory held by blocks in use (reserved minus cached) */
        long inUseBytes() {
            return reservedBytes - cachedBytes;
        }
    }

    private static final long SMALL_LIMIT = 1L << 20;
    private static final long SMALL_ROUND = 512;

    private final DeviceMemory memory;
    private final Map<Long, Map<Long, ArrayDeque<Block>>> free = new HashMap<>();
    private long reserved;
    private long peakReserved;
    private long cached;
    private long deviceAllocations;
    private long deviceFrees;
    private long hits;
    private long misses;
    private long retries;
    private LongConsumer reservedChanges = delta -> {};

    /**
     * Creates an allocator over some device memory.
     *
     * @param memory the driver (or a fake)
     */
    CachingAllocator(DeviceMemory memory) {
        this.memory = memory;
    }

    /**
     * Reports every later change of the reserved bytes to a listener (the backend's
     * {@code MemoryStats::recordReserved}), after reporting what is reserved now.
     *
     * @param listener receives +bytes per driver allocation, -bytes per driver free
     */
    synchronized void reservedListener(LongConsumer listener) {
        listener.accept(reserved);
        this.reservedChanges = listener;
    }

    /**
     * The size class of a request.
     *
     * @param bytes requested bytes (0 allowed)
     * @return the bytes a block of that class has: a multiple of 512 up to 1 MiB, then a multiple
     *     of an eighth of the enclosing power of two
     */
    static long sizeClass(long bytes) {
        long b = Math.max(SMALL_ROUND, bytes);
        if (b <= SMALL_LIMIT) {
            return (b + SMALL_ROUND - 1) / SMALL_ROUND * SMALL_ROUND;
        }
        long step = Long.highestOneBit(b - 1) / 8;
        return (b + step - 1) / step * step;
    }

    /**
     * A block of at least {@code bytes} for a stream: a cached one of the same class, else a new
     * device allocation (after emptying the cache and retrying once if the device is full).
     *
     * @param bytes requested size
     * @param stream the stream the block will be used on
     * @return the block, owned by the caller until {@link #release}
     * @throws CudaException (CUDA_ERROR_OUT_OF_MEMORY) if the device cannot hold it even with an
     *     empty cache; the message gives the request, reserved and cached bytes
     */
    Block allocate(long bytes, long stream) {
        long size = sizeClass(bytes);
        synchronized (this) {
            ArrayDeque<Block> q = free.getOrDefault(stream, Map.of()).get(size);
            if (q != null && !q.isEmpty()) {
                hits++;
                cached -= size;
                return q.pop();
            }
            misses++;
        }
        long p = memory.tryAllocate(size);
        if (p == 0) {
            synchronized (this) {
                retries++;
            }
            emptyCache();
            p = memory.tryAllocate(size);
        }
        synchronized (this) {
            if (p == 0) {
                throw new CudaException("cuMemAlloc_v2(" + size + " bytes)", DriverAbi.CUDA_ERROR_OUT_OF_MEMORY,
                        "CUDA_ERROR_OUT_OF_MEMORY", "out of memory with " + reserved + " bytes reserved by jmae ("
                                + cached + " cached, emptied and retried)",
                        CudaDriver.hint(DriverAbi.CUDA_ERROR_OUT_OF_MEMORY));
            }
            deviceAllocations++;
            reserved += size;
            peakReserved = Math.max(peakReserved, reserved);
            reservedChanges.accept(size);
            return new Block(p, size, stream);
        }
    }

    /**
     * Returns a block to its stream's free list (no driver call; safe from any thread).
     *
     * @param block a block from {@link #allocate}, no longer referenced by any tensor
     */
    synchronized void release(Block block) {
        free.computeIfAbsent(block.stream(), s -> new HashMap<>())
                .computeIfAbsent(block.bytes(), s -> new ArrayDeque<>()).push(block);
        cached += block.bytes();
    }

    /**
     * Waits for the device, then returns every cached block to the driver (like
     * {@code torch.cuda.empty_cache()}); blocks in use are untouched.
     */
    void emptyCache() {
        List<Block> drained = new ArrayList<>();
        synchronized (this) {
            for (Map<Long, ArrayDeque<Block>> byClass : free.values()) {
                for (ArrayDeque<Block> q : byClass.values()) {
                    drained.addAll(q);
                }
            }
            free.clear();
        }
        if (drained.isEmpty()) {
            return;
        }
        memory.synchronize();
        for (Block b : drained) {
            memory.free(b.pointer());
            synchronized (this) {
                deviceFrees++;
                reserved -= b.bytes();
                cached -= b.bytes();
                reservedChanges.accept(-b.bytes());
            }
        }
    }

    /** Sets the reserved peak to the current reserved bytes. */
    synchronized void resetPeak() {
        peakReserved = reserved;
    }

    /**
     * The counters.
     *
     * @return a snapshot
     */
    synchronized Stats stats() {
        return new Stats(reserved, peakReserved, cached, deviceAllocations, deviceFrees, hits, misses, retries);
    }
}
