package dev.jmae.gpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;
import org.jocl.cl_mem;

/**
 * Storage in an OpenCL device buffer ({@code cl_mem}) of at least 4·numel bytes. Released
 * explicitly or by the garbage collector through {@link Storage}'s release hook, which hands the
 * buffer back to the backend's {@link BufferPool} (or to the driver with
 * {@code clReleaseMemObject}). Releasing right after enqueueing commands is safe: the device's
 * single in-order queue runs them before any command of the buffer's next owner, and OpenCL
 * keeps a released buffer alive until its queued commands have finished.
 */
public final class ClStorage extends Storage {

    private volatile cl_mem mem;

    /**
     * Wraps a freshly created buffer.
     *
     * @param device the {@code opencl:N} device
     * @param numel number of float32 elements
     * @param stats the backend's counters, charged 4·numel bytes
     * @param mem the buffer, owned by this storage from now on
     * @param release what to do with the buffer on release; must capture the buffer, never this
     *     storage (so that the storage can become unreachable)
     */
    ClStorage(Device device, int numel, MemoryStats stats, cl_mem mem, Runnable release) {
        super(device, numel, stats, release);
        this.mem = mem;
    }

    /**
     * The device buffer.
     *
     * @return the buffer
     * @throws IllegalStateException if the storage was released
     */
    public cl_mem mem() {
        cl_mem m = mem;
        if (m == null) {
            checkLive();
        }
        return m;
    }

    @Override
    protected void dropReferences() {
        mem = null;
    }
}
