package dev.jmae.gpu.cuda;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;

/**
 * Storage in a block of device memory from the backend's {@link CachingAllocator} (at least
 * 4·numel bytes). Released explicitly or by the garbage collector through {@link Storage}'s
 * release hook, which hands the block back to the allocator's free list of the stream; releasing
 * right after queueing work on it is safe, since the block's next owner queues on the same stream.
 */
public final class CudaStorage extends Storage {

    private volatile long pointer;

    /**
     * Wraps a block.
     *
     * @param device the {@code cuda:N} device
     * @param numel number of float32 elements
     * @param stats the backend's counters, charged 4·numel bytes
     * @param pointer the block's device address
     * @param release what to do with the block on release; must not reference this storage
     */
    CudaStorage(Device device, int numel, MemoryStats stats, long pointer, Runnable release) {
        super(device, numel, stats, release);
        this.pointer = pointer;
    }

    /**
     * The device address of element 0.
     *
     * @return the address
     * @throws IllegalStateException if the storage was released
     */
    public long pointer() {
        long p = pointer;
        if (p == 0) {
            checkLive();
        }
        return p;
    }

    /**
     * The device address of an element.
     *
     * @param element index into this storage
     * @return {@code pointer() + 4·element}
     */
    public long pointer(long element) {
        return pointer() + 4L * element;
    }

    @Override
    protected void dropReferences() {
        pointer = 0;
    }
}
