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
 * <p>Status: storage, transfers, the allocator, kernel loading and launching, and the cuBLASLt
 * GEMM path exist; the seven kernel families (CudaElementwise, CudaReductions, CudaLinalg,
 * CudaRows, CudaAttention, CudaIndexing, CudaOptim) come with the shared kernel sources, and until
 * then their accessors throw {@link UnsupportedOperationException}.
 */
public final class CudaBackend implements Backend {

    private final Device device;
    private final CudaContext context;
    private final MemoryStats memory = new MemoryStats();
    private final CublasLtMatmul gemm;
    private final String gemmUnavailable;
    private volatile MatmulPrecision matmulPrecision = MatmulPrecision.HIGHEST;

    /**
     * Creates the backend of an opened device.
     *
     * @param device {@code cuda:N}
     * @param context the opened device
     * @param cublasLt cuBLASLt, or null when missing (matrix products then use the SIMT kernel)
     * @param cublasLtMissing why cuBLASLt is missing, or null
     */
    CudaBackend(Device device, CudaContext context, CublasLt cublasLt, String cublasLtMissing) {
        this.device = device;
        this.context = context;
        this.gemm = cublasLt == null ? null : new CublasLtMatmul(cublasLt, context);
        this.gemmUnavailable = cublasLtMissing;
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
     * Waits for all queued work.
     *
     * @throws CudaException if a queued kernel or copy failed (the context is then unusable)
     */
    @Override
    public void synchronize() {
        context.synchronize();
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
     * Copies a tensor to the host. A contiguous tensor is one download; a strided view downloads
     * the span of storage it covers and gathers on the host (the copy kernel will replace this
     * when CudaElementwise exists).
     */
    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
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
            int[] shape = src.shape();
            int[] strides = src.strides();
            long lo = src.offset();
            long hi = src.offset();
            for (int d = 0; d < shape.length; d++) {
                long extent = (long) (shape[d] - 1) * strides[d];
                lo += Math.min(0, extent);
                hi += Math.max(0, extent);
            }
            float[] span = new float[Math.toIntExact(hi - lo + 1)];
            context.download(span, 0, s.pointer(lo), span.length);
            gather(dst, dstOffset, span, (int) (src.offset() - lo), shape, strides);
        } finally {
            Reference.reachabilityFence(s);
        }
    }

    /** Copies a strided view of {@code span} (element 0 at {@code base}) to {@code dst} in row-major order. */
    static void gather(float[] dst, int dstOffset, float[] span, int base, int[] shape, int[] strides) {
        int nd = shape.length;
        int[] index = new int[nd];
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        int at = base;
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = span[at];
            for (int d = nd - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    at += strides[d];
                    break;
                }
                at -= (shape[d] - 1) * strides[d];
                index[d] = 0;
            }
        }
    }

    // ---- kernel families ----

    private UnsupportedOperationException notYet(String family, String cls) {
        return new UnsupportedOperationException("the CUDA " + family + " kernels (" + cls + ") are not implemented"
                + " yet; they come with the shared kernel sources; hint: use opencl:N or cpu for now");
    }

    @Override
    public ElementwiseKernels elementwise() {
        throw notYet("elementwise", "CudaElementwise");
    }

    @Override
    public ReductionKernels reductions() {
        throw notYet("reduction", "CudaReductions");
    }

    @Override
    public LinalgKernels linalg() {
        throw notYet("linalg", "CudaLinalg");
    }

    @Override
    public RowKernels rows() {
        throw notYet("row", "CudaRows");
    }

    @Override
    public AttentionKernels attention() {
        throw notYet("attention", "CudaAttention");
    }

    @Override
    public IndexingKernels indexing() {
        throw notYet("indexing", "CudaIndexing");
    }

    @Override
    public OptimKernels optim() {
        throw notYet("optimizer", "CudaOptim");
    }

    @Override
    public String toString() {
        CudaDeviceProperties p = context.properties();
        return "CudaBackend[" + device + ", " + p.name() + ", sm_" + p.computeCapability() + ", matmul "
                + matmulPrecision.cliName() + "]";
    }
}
