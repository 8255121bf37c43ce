package dev.jmae.gpu.cuda;

import dev.jmae.tensor.AttentionKernels;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.LinalgKernels;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.ReductionKernels;
import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

import java.lang.ref.Reference;

/**
 * The {@code cuda:N} backend: tensors in device memory of one NVIDIA GPU, driven through the CUDA
 * driver API ({@link CudaContext}), with kernels JIT-compiled by NVRTC and matrix products by
 * cuBLASLt.
 *
 * <p>Storage comes from a {@link CachingAllocator} (PyTorch-style: size-class free lists per
 * stream, {@link #emptyCache()}); {@link #memory()} counts live tensor bytes as on every backend,
 * and {@link #allocatorStats()} the memory reserved from the driver, cached, and the allocator's
 * traffic. Host transfers go through pinned staging buffers on the one stream: a {@link #write}
 * returns once the data is staged, a {@link #read} waits for the data, {@link #synchronize()} for
 * everything queued.
 *
 * <p>Matrix products use the backend's {@link MatmulPrecision} ({@code highest} by default, as in
 * PyTorch).
 *
 * <p>Kernel families, by file: movement and elementwise ({@link CudaElementwise}), reductions
 * ({@link CudaReductions}), matmul through cuBLASLt or the SIMT kernel ({@link CudaLinalg}),
 * softmax, layer norm and GELU ({@link CudaRows}), attention, on tensor cores at {@code high}
 * ({@link CudaAttention}), indexing with deferred index checks ({@link CudaIndexing}), AdamW
 * ({@link CudaOptim}). All but the cuBLASLt GEMM and the flash attention run the shared kernel
 * sources with the host planning of the OpenCL backend's GPU variant ({@code dev.jmae.gpu.Shared*}).
 * Until the first run on a GPU (the device check, tools/device-check) this backend has only run
 * against the host-emulated driver of the tests.
 */
public final class CudaBackend implements Backend {

    private final Device device;
    private final CudaContext context;
    private final MemoryStats memory = new MemoryStats();
    private final CublasLtMatmul gemm;
    private final String gemmUnavailable;
    private volatile MatmulPrecision matmulPrecision = MatmulPrecision.HIGHEST;
    private final CudaLauncher launcher;
    private final CudaElementwise elementwise;
    private final CudaReductions reductions;
    private final CudaLinalg linalg;
    private final CudaRows rows;
    private final CudaAttention attention;
    private final CudaIndexing indexing;
    private final CudaOptim optim;

    /**
     * Creates the backend of an opened device.
     *
     * @param device {@code cuda:N}
     * @param context the opened device
     * @param cublasLt cuBLASLt, or null when missing (matrix products then use the SIMT kernel, as
     *     they do when its handle or workspace cannot be created)
     * @param cublasLtMissing why cuBLASLt is missing, or null
     */
    CudaBackend(Device device, CudaContext context, CublasLt cublasLt, String cublasLtMissing) {
        this.device = device;
        this.context = context;
        context.allocator().reservedListener(memory::recordReserved);
        CublasLtMatmul lt = null;
        String ltMissing = cublasLtMissing;
        if (cublasLt != null) {
            try {
                lt = new CublasLtMatmul(cublasLt, context);
            } catch (RuntimeException | LinkageError e) {
                // the device stays usable: matrix products take the SIMT kernel, and the reason is kept
                ltMissing = "cuBLASLt could not be initialized (" + e + "); matrix products use the SIMT kernel";
            }
        }
        this.gemm = lt;
        this.gemmUnavailable = ltMissing;
        this.launcher = new CudaLauncher(this, context);
        this.elementwise = new CudaElementwise(this);
        this.reductions = new CudaReductions(this);
        this.linalg = new CudaLinalg(this);
        this.rows = new CudaRows(this);
        this.attention = new CudaAttention(this);
        this.indexing = new CudaIndexing(this);
        this.optim = new CudaOptim(this);
    }

    CudaContext context() {
        return context;
    }

    /** @return the cuBLASLt GEMM, or null when the library is missing */
    CublasLtMatmul gemm() {
        return gemm;
    }

    /** @return why cuBLASLt is not used, or null when it is */
    String gemmUnavailableReason() {
        return gemmUnavailable;
    }

    static CudaStorage storage(Tensor t) {
        return (CudaStorage) t.storage();
    }

    /** @return the device's properties (name, compute capability, memory, SMs, ...) */
    public CudaDeviceProperties properties() {
        return context.properties();
    }

    /** @return the precision of float32 matrix products on this device */
    public MatmulPrecision matmulPrecision() {
        return matmulPrecision;
    }

    /**
     * Sets the precision of float32 matrix products from the next product on (like
     * {@code torch.set_float32_matmul_precision}, but per device).
     *
     * @param precision {@code HIGHEST} (strict fp32) or {@code HIGH} (TF32 tensor cores)
     */
    public void setMatmulPrecision(MatmulPrecision precision) {
        this.matmulPrecision = java.util.Objects.requireNonNull(precision, "precision");
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public MemoryStats memory() {
        return memory;
    }

    /**
     * Allocates device memory for {@code numel} floats from the caching allocator.
     *
     * @param numel number of float32 elements
     * @return the storage, contents unspecified
     * @throws CudaException (CUDA_ERROR_OUT_OF_MEMORY) if the device is full even after emptying
     *     the cache
     */
    @Override
    public Storage allocate(int numel) {
        CachingAllocator allocator = context.allocator();
        CachingAllocator.Block block = allocator.allocate(4L * numel, context.streamId());
        return new CudaStorage(device, numel, memory, block.pointer(), () -> allocator.release(block));
    }

    /**
     * The allocator's counters: reserved (in use + cached) and peak reserved bytes, cached bytes,
     * driver allocations and frees, cache hits and misses.
     *
     * @return a snapshot
     */
    public CachingAllocator.Stats allocatorStats() {
        return context.allocator().stats();
    }

    /** @return device memory held from the driver, in tensors or cached (torch.cuda.memory_reserved) */
    public long reservedBytes() {
        return allocatorStats().reservedBytes();
    }

    /** @return reserved device memory not in any tensor */
    public long cachedBytes() {
        return allocatorStats().cachedBytes();
    }

    /** Waits for the device, then returns every cached block to the driver (torch.cuda.empty_cache). */
    public void emptyCache() {
        context.allocator().emptyCache();
    }

    /**
     * Waits for all queued work, then reports a queued index error (see {@link CudaIndexing}).
     *
     * @throws CudaException if a queued kernel or copy failed (the context is then unusable)
     * @throws IllegalArgumentException if an indexing op queued since the last read or synchronize
     *     had an index outside its dimension
     */
    @Override
    public void synchronize() {
        context.synchronize();
        indexing.flush();
    }

    // ---- host transfers ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        CudaStorage s = storage(dst);
        try {
            context.upload(s.pointer(dst.offset()), src, srcOffset, dst.numel());
        } finally {
            Reference.reachabilityFence(s);
        }
    }

    /**
     * Copies a tensor to the host, after reporting a queued index error (see {@link CudaIndexing}). A
     * tensor that is contiguous in its storage is one download; any other view is first gathered
     * into contiguous scratch by the {@code copy} kernel (on the device, so only its elements cross
     * the bus).
     *
     * @throws IllegalArgumentException if an indexing op queued since the last read or synchronize
     *     had an index outside its dimension
     */
    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
        indexing.flush();
        int n = src.numel();
        if (n == 0) {
            return;
        }
        CudaStorage s = storage(src);
        try {
            if (src.isContiguous()) {
                context.download(dst, dstOffset, s.pointer(src.offset()), n);
                return;
            }
        } finally {
            Reference.reachabilityFence(s);
        }
        CudaStorage tmp = (CudaStorage) allocate(n);
        try {
            elementwise.copy(Tensor.wrap(tmp, src.shape(), Shape.contiguousStrides(src.shape()), 0), src);
            context.download(dst, dstOffset, tmp.pointer(), n);
        } finally {
            tmp.release();
        }
    }

    // ---- kernel families ----

    /** @return the launcher the kernel families use */
    CudaLauncher launcher() {
        return launcher;
    }

    @Override
    public CudaElementwise elementwise() {
        return elementwise;
    }

    @Override
    public CudaReductions reductions() {
        return reductions;
    }

    @Override
    public CudaLinalg linalg() {
        return linalg;
    }

    @Override
    public CudaRows rows() {
        return rows;
    }

    @Override
    public CudaAttention attention() {
        return attention;
    }

    @Override
    public CudaIndexing indexing() {
        return indexing;
    }

    @Override
    public CudaOptim optim() {
        return optim;
    }

    @Override
    public String toString() {
        CudaDeviceProperties p = context.properties();
        return "CudaBackend[" + device + ", " + p.name() + ", sm_" + p.computeCapability() + ", matmul "
                + matmulPrecision.cliName() + "]";
    }
}
