package dev.jmae.gpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;

/**
 * What the host side of the shared kernel sources ({@link KernelSource#SHARED}) needs from a device
 * runtime: launching a kernel by source file and name with OpenCL-style geometry, the driver's fill
 * and copy commands, scratch storage, a few device limits and a small int buffer for the deferred
 * index checks. The OpenCL runtime and the CUDA context each implement it, so the launch planning of
 * every family ({@code Shared*}: strided plans, reduction chunking, GEMM batch folding, attention
 * block sizes, the index-check protocol) is written once and drives both.
 *
 * <p>Geometry is OpenCL's: a global size per dimension (work-items) and a local size (work-group);
 * the global size is rounded up to a multiple of the local size, so kernels guard their bounds. A
 * zero global size launches nothing. On CUDA the block is the local size and the grid the rounded
 * global size divided by it.
 *
 * <p>Kernel arguments, in parameter order: a {@link Storage} of this launcher's backend (a float
 * pointer to its element 0), an {@link IntBuffer} from {@link #intBuffer}, {@link Integer},
 * {@link Float}, {@code int[]} or {@code float[]} (a by-value struct of 4-byte members: Strided,
 * Ints4, Ints8, Heads, Floats8) and {@link Local} (launch-sized local memory: one argument on
 * OpenCL, a slice of the launch's dynamic shared memory on CUDA, in argument order).
 *
 * <p>Implementations serialize launches and commands; the launcher object is also the lock the
 * index checks hold while they queue work and read their flags.
 */
public interface KernelLauncher {

    /**
     * Marks a kernel argument as local memory of the given size, allocated per work-group.
     *
     * @param bytes the size in bytes
     */
    record Local(long bytes) {
    }

    /** A small device buffer of ints (the deferred index-check flags); a kernel argument as is. */
    interface IntBuffer {
        /**
         * Queues a fill of ints.
         *
         * @param first the first int
         * @param count how many
         * @param value the value
         */
        void fill(int first, int count, int value);

        /**
         * Reads the first {@code dst.length} ints after all queued work (blocks).
         *
         * @param dst where to put them
         */
        void read(int[] dst);
    }

    /** @return the device these kernels run on */
    Device device();

    /** @return the backend's memory counters (scratch storage is charged there) */
    MemoryStats memory();

    /** @return the device name the driver reports */
    String deviceName();

    /** @return which kernel variant the programs are built as (always {@link Variant#GPU} on CUDA) */
    Variant variant();

    /**
     * Queues one kernel launch.
     *
     * @param file the kernel source (a {@link KernelSource} name)
     * @param kernel the entry point
     * @param global work-items per dimension (1 to 3 dimensions)
     * @param local work-group size per dimension (same length)
     * @param args the arguments (see the class comment)
     * @throws IllegalStateException naming the kernel and its geometry if the driver refuses
     * @throws IllegalArgumentException if the geometry exceeds what the device allows
     */
    void launch(String file, String kernel, long[] global, long[] local, Object... args);

    /**
     * Queues a fill of consecutive floats of a storage.
     *
     * @param out the storage
     * @param elementOffset the first element
     * @param count how many
     * @param value the value
     */
    void fill(Storage out, long elementOffset, int count, float value);

    /**
     * Queues a copy of consecutive floats between storages.
     *
     * @param src the source storage
     * @param srcElementOffset its first element
     * @param dst the destination storage
     * @param dstElementOffset its first element
     * @param count how many floats
     */
    void copy(Storage src, long srcElementOffset, Storage dst, long dstElementOffset, int count);

    /**
     * Device scratch storage counted in the backend's memory; the caller releases it as soon as the
     * work using it is queued.
     *
     * @param numel floats
     * @return the storage, contents unspecified
     */
    Storage scratch(int numel);

    /**
     * The largest power of two at most both {@code wanted} and the device's work-group limit.
     *
     * @param wanted the preferred size
     * @return the size to use
     */
    int capGroup(int wanted);

    /** @return local (shared) memory a work-group may use, in bytes */
    long localMemBytes();

    /**
     * The largest work-group this kernel can run with (register use may push it below the device's).
     *
     * @param file its source
     * @param kernel its name
     * @return the size
     */
    long kernelWorkGroupSize(String file, String kernel);

    /**
     * Allocates a small int buffer (not counted as tensor memory; kept for the backend's life).
     *
     * @param ints its length
     * @return the buffer, contents unspecified
     */
    IntBuffer intBuffer(int ints);

    // ---- the launch sizes the shared families use ----

    /** @return work-group size of kernels without sharing: 256 on GPUs, 64 on CPU drivers (capped) */
    default int elementwiseGroup() {
        return capGroup(variant() == Variant.GPU ? 256 : 64);
    }

    /**
     * Lanes of the work-group-per-output reductions (a power of two), fixed per variant because
     * PoCL compiles a kernel once per work-group size.
     *
     * @return the lanes
     */
    default int reductionLanes() {
        return capGroup(variant() == Variant.GPU ? 256 : 16);
    }
}
