package dev.jmae.tensor;

/**
 * The backend SPI: storage, host transfers and seven kernel families that a device must provide so
 * that tensors can live on it. {@link Tensor} validates shapes, broadcasts and allocates outputs,
 * then calls exactly one kernel; a backend may assume its arguments are valid.
 *
 * <p>The families are the unit of the SPI: {@link #elementwise()}, {@link #reductions()},
 * {@link #linalg()}, {@link #rows()}, {@link #attention()}, {@link #indexing()} and
 * {@link #optim()}. Every backend implements each family in a file with the family's stem
 * ({@code ReferenceRows}, {@code CpuRows}, {@code ClRows}, ...), so one name finds an op's every
 * version; {@code docs/kernels.md} is the table of families by backends (a test keeps it true).
 * Backends are found through {@link BackendProvider}s ({@link java.util.ServiceLoader}), the
 * built-in {@code reference} and {@code cpu} included.
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>Argument order: outputs, saved buffers, inputs, weights, sizes.</li>
 *   <li>Row-wise kernels (softmax, layer norm, GELU, indexing, argsort, AdamW) receive
 *       contiguous operands and work along the last dimension where they have one; the tensor
 *       layer transposes or copies to get there.</li>
 *   <li>Outputs are <b>overwritten</b> (never accumulated into) unless the method says otherwise,
 *       and are freshly allocated contiguous tensors unless the method says they may be strided
 *       views.</li>
 *   <li>Inputs of the other kernels (elementwise, reductions, matmul, attention) may be
 *       arbitrary strided views (transposed, narrowed, expanded with stride 0) on this
 *       backend's device.</li>
 *   <li>Index tensors hold integer values stored as float32 (exact up to 2^24); a backend must
 *       reject an index outside its dimension with {@link IllegalArgumentException} rather than
 *       read or write out of bounds.</li>
 * </ul>
 *
 * <p>The {@code reference} backend implements every method with plain loops in double precision
 * and is the executable specification the others are tested against.
 */
public interface Backend {

    /**
     * The device this backend serves.
     *
     * @return the device
     */
    Device device();

    /**
     * The byte counters of this backend's storages.
     *
     * @return the counters
     */
    MemoryStats memory();

    /**
     * Allocates storage for {@code numel} float32 elements; contents are unspecified until written
     * (the heap backends may hand out the array of a released storage, holding its values).
     *
     * @param numel number of elements
     * @return the storage
     */
    Storage allocate(int numel);

    /**
     * Waits until all work queued on the device has finished (a no-op for synchronous backends).
     */
    default void synchronize() {
    }

    // ---- host transfers ----

    /**
     * Copies host data into a contiguous tensor of this device.
     *
     * @param dst the destination, contiguous; overwritten
     * @param src host elements, row-major
     * @param srcOffset index of the first element in src
     */
    void write(Tensor dst, float[] src, int srcOffset);

    /**
     * Copies a tensor of this device (any strides) to the host in row-major order.
     *
     * @param dst the host array receiving numel elements
     * @param dstOffset index of the first element in dst
     * @param src the tensor to read
     */
    void read(float[] dst, int dstOffset, Tensor src);

    // ---- kernel families ----

    /**
     * Fill, copy, unary and binary maps and {@code where}.
     *
     * @return this backend's elementwise kernels
     */
    ElementwiseKernels elementwise();

    /**
     * Sum, mean, max, min, variance and argmax along dims.
     *
     * @return this backend's reduction kernels
     */
    ReductionKernels reductions();

    /**
     * The batched matrix product (+ bias).
     *
     * @return this backend's linear-algebra kernels
     */
    LinalgKernels linalg();

    /**
     * Softmax, log-softmax, layer norm and GELU over rows, forward and backward.
     *
     * @return this backend's row kernels
     */
    RowKernels rows();

    /**
     * Fused scaled dot-product attention, forward and backward.
     *
     * @return this backend's attention kernels
     */
    AttentionKernels attention();

    /**
     * Gather, scatter, index select and argsort.
     *
     * @return this backend's indexing kernels
     */
    IndexingKernels indexing();

    /**
     * Fused optimizer updates (AdamW).
     *
     * @return this backend's optimizer kernels
     */
    OptimKernels optim();
}
