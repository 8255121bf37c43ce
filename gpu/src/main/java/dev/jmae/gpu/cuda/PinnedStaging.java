package dev.jmae.gpu.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Host-device copies of float arrays through page-locked ("pinned") staging buffers, the only
 * host memory the GPU's copy engines read and write asynchronously.
 *
 * <p>Each direction has two buffers of {@link #chunkBytes()} used in turn, each with an event
 * recorded after its copy. An upload copies a chunk from the Java array into a free buffer, queues
 * the DMA on the stream and returns; it waits only when both buffers are still being read by
 * earlier DMAs, so small writes never block and large ones overlap the host copy of one chunk
 * with the DMA of the other. A download queues the DMA of up to two chunks ahead and copies each
 * finished chunk out to the array while the next is in flight; it returns when the array is
 * complete. All copies go to the one stream, so they are ordered with the kernels around them.
 *
 * <p>The buffers are allocated on first use ({@code cuMemHostAlloc}; uploads write-combined, which
 * speeds host writes and DMA reads, downloads cacheable). Not thread-safe: the caller serializes.
 */
final class PinnedStaging {

    /** Bytes per staging buffer (4 MiB: large enough for full PCIe bandwidth, 16 MiB pinned in all). */
    static final long DEFAULT_CHUNK_BYTES = 4L << 20;

    private final CudaDriver driver;
    private final MemorySegment stream;
    private final long chunkBytes;
    private final MemorySegment[] up = new MemorySegment[2];
    private final MemorySegment[] upDone = new MemorySegment[2];
    private final boolean[] upBusy = new boolean[2];
    private int nextUp;
    private final MemorySegment[] down = new MemorySegment[2];
    private final MemorySegment[] downDone = new MemorySegment[2];

    /**
     * Creates the staging (allocates nothing yet).
     *
     * @param driver the driver
     * @param stream the stream every copy goes to
     * @param chunkBytes bytes per buffer, a multiple of 4
     */
    PinnedStaging(CudaDriver driver, MemorySegment stream, long chunkBytes) {
        if (chunkBytes <= 0 || chunkBytes % 4 != 0) {
            throw new IllegalArgumentException(
                    "PinnedStaging: expected a positive multiple of 4 bytes, got " + chunkBytes);
        }
        this.driver = driver;
        this.stream = stream;
        this.chunkBytes = chunkBytes;
    }

    /** @return bytes per staging buffer */
    long chunkBytes() {
        return chunkBytes;
    }

    /**
     * Queues a copy of floats to device memory; returns once the floats are in pinned memory
     * (the array may then change), not when they reach the device.
     *
     * @param dst device address
     * @param src host floats
     * @param srcOffset first element
     * @param count number of floats
     */
    void upload(long dst, float[] src, int srcOffset, int count) {
        long chunk = chunkBytes / 4;
        for (long done = 0; done < count; done += chunk) {
            int n = (int) Math.min(chunk, count - done);
            int i = nextUp;
            nextUp = 1 - nextUp;
            if (up[i] == null) {
                up[i] = driver.memHostAlloc(chunkBytes, DriverAbi.CU_MEMHOSTALLOC_PORTABLE
                        | DriverAbi.CU_MEMHOSTALLOC_WRITECOMBINED);
                upDone[i] = driver.eventCreate(DriverAbi.CU_EVENT_DISABLE_TIMING);
            } else if (upBusy[i]) {
                driver.eventSynchronize(upDone[i]);
            }
            MemorySegment.copy(src, (int) (srcOffset + done), up[i], ValueLayout.JAVA_FLOAT, 0, n);
            driver.memcpyHtoDAsync(dst + 4 * done, up[i], 4L * n, stream);
            driver.eventRecord(upDone[i], stream);
            upBusy[i] = true;
        }
    }

    /**
     * Copies floats from device memory, after all work queued before it on the stream.
     *
     * @param dst host floats
     * @param dstOffset first element
     * @param src device address
     * @param count number of floats
     */
    void download(float[] dst, int dstOffset, long src, int count) {
        long chunk = chunkBytes / 4;
        int chunks = (int) ((count + chunk - 1) / chunk);
        for (int c = 0; c < Math.min(2, chunks); c++) {
            queueDown(c, src, count, chunk);
        }
        for (int c = 0; c < chunks; c++) {
            int i = c % 2;
            driver.eventSynchronize(downDone[i]);
            long first = c * chunk;
            int n = (int) Math.min(chunk, count - first);
            MemorySegment.copy(down[i], ValueLayout.JAVA_FLOAT, 0, dst, (int) (dstOffset + first), n);
            if (c + 2 < chunks) {
                queueDown(c + 2, src, count, chunk);
            }
        }
    }

    private void queueDown(int c, long src, int count, long chunk) {
        int i = c % 2;
        if (down[i] == null) {
            down[i] = driver.memHostAlloc(chunkBytes, DriverAbi.CU_MEMHOSTALLOC_PORTABLE);
            downDone[i] = driver.eventCreate(DriverAbi.CU_EVENT_DISABLE_TIMING);
        }
        long first = c * chunk;
        long n = Math.min(chunk, count - first);
        driver.memcpyDtoHAsync(down[i], src + 4 * first, 4 * n, stream);
        driver.eventRecord(downDone[i], stream);
    }

    /** @return pinned host bytes held (0 before the first copy) */
    long pinnedBytes() {
        long n = 0;
        for (MemorySegment s : up) {
            n += s == null ? 0 : s.byteSize();
        }
        for (MemorySegment s : down) {
            n += s == null ? 0 : s.byteSize();
        }
        return n;
    }
}
