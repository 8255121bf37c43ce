package dev.jmae.tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live and peak bytes of one backend's storages. A storage counts from its allocation until it
 * is released: explicitly ({@link Storage#release()}, {@link TensorScope#close()}) or, for a
 * storage nobody released, when the garbage collector finds it unreachable.
 *
 * <p>Counters are thread-safe. Peak is the maximum of live bytes since creation or the last
 * {@link #resetPeak()}.
 */
public final class MemoryStats {

    private final AtomicLong live = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();

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

    /** Sets the peak to the current live bytes. */
    public void resetPeak() {
        peak.set(live.get());
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
        return "MemoryStats[live=" + liveBytes() + " B, peak=" + peakBytes() + " B]";
    }
}
