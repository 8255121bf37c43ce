package dev.jmae.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live and peak bytes of one backend's storages, and the host transfers made to and from it. A
 * storage counts from its allocation until it is released: explicitly ({@link Storage#release()},
 * {@link TensorScope#close()}) or, for a storage nobody released, when the garbage collector finds
 * it unreachable.
 *
 * <p>Transfers: every copy of tensor data between a host array and this backend's storage
 * ({@link Backend#write}, {@link Backend#read}, counted by {@link Tensor}: creation from host data,
 * {@code toArray}, {@code item}, {@code to(device)}), and the small synchronous reads a backend makes
 * for its own bookkeeping ({@link #controlReads()}, e.g. a device-side error flag). On a GPU each
 * read is a synchronization point, so a training step should show only its batch in and its loss
 * out. On the heap backends the same calls are plain array copies, counted alike.
 *
 * <p>Reserved memory: a device backend's caching allocator holds device memory beyond the live
 * storages (released blocks kept for reuse, size-class rounding). It reports every change of what
 * it holds from its driver through {@link #recordReserved(long)}, so {@link #reservedBytes()} is
 * PyTorch's {@code torch.cuda.memory_reserved()} and {@link #peakReservedBytes()} its
 * {@code max_memory_reserved()}. Heap backends reserve nothing beyond their storages and report 0.
 *
 * <p>Counters are thread-safe. Peaks are the maxima since creation or the last
 * {@link #resetPeak()}.
 */
public final class MemoryStats {

    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong hostToDevice = new AtomicLong();
    private final AtomicLong hostToDeviceBytes = new AtomicLong();
    private final AtomicLong deviceToHost = new AtomicLong();
    private final AtomicLong deviceToHostBytes = new AtomicLong();
    private final AtomicLong controlReads = new AtomicLong();
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong peakReserved = new AtomicLong();

    /**
     * Bytes currently allocated and not released.
     *
     * @return live bytes
     */
    public long liveBytes() {
        return live.get();
    }

    /**
     * The largest value {@link #liveBytes()} has reached since the last reset.
     *
     * @return peak bytes
     */
    public long peakBytes() {
        return peak.get();
    }

    /**
     * The number of storages allocated since creation.
     *
     * @return allocation count
     */
    public long allocations() {
        return allocations.get();
    }

    /** Sets the peaks (live and reserved) to the current values. */
    public void resetPeak() {
        peak.set(live.get());
        peakReserved.set(reserved.get());
    }

    /**
     * Device memory the backend's allocator holds from its driver: in live storages, cached for
     * reuse, or lost to size-class rounding (0 on heap backends).
     *
     * @return reserved bytes
     */
    public long reservedBytes() {
        return reserved.get();
    }

    /**
     * The largest value {@link #reservedBytes()} has reached since the last reset.
     *
     * @return peak reserved bytes
     */
    public long peakReservedBytes() {
        return peakReserved.get();
    }

    /**
     * Records a change of the memory a device allocator holds from its driver (for backend
     * implementers: called with +bytes after each driver allocation, -bytes after each free;
     * OpenCL's BufferPool and CUDA's CachingAllocator do).
     *
     * @param delta bytes taken from (positive) or returned to (negative) the driver
     */
    public void recordReserved(long delta) {
        long now = reserved.addAndGet(delta);
        long p;
        while (now > (p = peakReserved.get()) && !peakReserved.compareAndSet(p, now)) {
            Thread.onSpinWait();
        }
    }

    /**
     * Copies of tensor data from the host to this backend since creation or the last
     * {@link #resetTransfers()}.
     *
     * @return the number of host-to-device copies
     */
    public long hostToDeviceCopies() {
        return hostToDevice.get();
    }

    /**
     * Bytes copied from the host to this backend since the last {@link #resetTransfers()}.
     *
     * @return bytes
     */
    public long hostToDeviceBytes() {
        return hostToDeviceBytes.get();
    }

    /**
     * Copies of tensor data from this backend to the host since the last {@link #resetTransfers()}.
     *
     * @return the number of device-to-host copies
     */
    public long deviceToHostCopies() {
        return deviceToHost.get();
    }

    /**
     * Bytes copied from this backend to the host since the last {@link #resetTransfers()}.
     *
     * @return bytes
     */
    public long deviceToHostBytes() {
        return deviceToHostBytes.get();
    }

    /**
     * Synchronous reads the backend made for its own bookkeeping (not tensor data) since the last
     * {@link #resetTransfers()}, e.g. the OpenCL backend's index-error flag.
     *
     * @return the number of control reads
     */
    public long controlReads() {
        return controlReads.get();
    }

    /** Sets every transfer counter to zero. */
    public void resetTransfers() {
        hostToDevice.set(0);
        hostToDeviceBytes.set(0);
        deviceToHost.set(0);
        deviceToHostBytes.set(0);
        controlReads.set(0);
    }

    /** Records one synchronous bookkeeping read by the backend (for backend implementers). */
    public void recordControlRead() {
        controlReads.incrementAndGet();
    }

    void recordHostToDevice(long bytes) {
        hostToDevice.incrementAndGet();
        hostToDeviceBytes.addAndGet(bytes);
    }

    void recordDeviceToHost(long bytes) {
        deviceToHost.incrementAndGet();
        deviceToHostBytes.addAndGet(bytes);
    }

    void allocated(long bytes) {
        allocations.incrementAndGet();
        long now = live.addAndGet(bytes);
        long p;
        while (now > (p = peak.get()) && !peak.compareAndSet(p, now)) {
            Thread.onSpinWait();
        }
    }

    void freed(long bytes) {
        live.addAndGet(-bytes);
    }

    @Override
    public String toString() {
        return "MemoryStats[live=" + liveBytes() + " B, peak=" + peakBytes() + " B, reserved=" + reservedBytes()
                + " B]";
    }
}
