package dev.jmae.gpu;

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
import dev.jmae.tensor.Settings;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;
import org.jocl.cl_mem;

/**
 * The {@code opencl:N} backend: every SPI operation runs as OpenCL kernels on one device, over
 * tensors whose storage is a device buffer ({@link ClStorage}). The host touches data only in
 * {@link #write}, {@link #read} and the small index-validation flag of the indexing ops.
 *
 * <p>Kernels are float32 throughout (OpenCL C 1.2 without extensions has no guaranteed double);
 * sums use Kahan compensation or tree reductions of fixed shape, and no float result depends on
 * atomics or on scheduling, so the same inputs give bit-identical outputs run to run.
 *
 * <p>Commands go to one in-order queue per device and may still be running when a method
 * returns; {@link #synchronize()} waits for them, and {@link #read} returns finished data.
 * Calls from several threads are serialized.
 *
 * <p>Memory: {@link #memory()} counts the bytes of live tensor storages (4 per element), and as
 * reserved bytes what the buffers of storages and the cache hold from the driver. Released buffers
 * are kept for reuse by later allocations of the same size class, up to a quarter of the device
 * memory or 1 GiB ({@link #cachedBytes()}, {@link #emptyCache()}).
 *
 * <p>Math: exact GELU and {@code erf} use our own float32 erf/erfc polynomials (within 1 ulp for
 * erf, 4 ulp for the erfc tail; see {@code kernels/common.h}) rather than OpenCL's built-in erf, whose
 * accuracy varies by driver within a loose bound of the specification. Programs are built
 * without fast-math options and, where the device supports it, with correctly rounded division
 * and square root.
 *
 * <p>Kernel families, by file: movement and elementwise ({@link ClElementwise}), reductions
 * ({@link ClReductions}), matmul ({@link ClLinalg}), softmax, layer norm and GELU
 * ({@link ClRows}), attention ({@link ClAttention}), indexing ({@link ClIndexing}), AdamW
 * ({@link ClOptim}).
 */
public final class OpenClBackend implements Backend {

    private final Device device;
    private final ClRuntime runtime;
    private final Variant variant;
    private final MemoryStats memory;
    private final ClLauncher launcher;
    private final ClElementwise elementwise;
    private final ClReductions reductions;
    private final ClLinalg linalg;
    private final ClRows rows;
    private final ClOptim optim;
    private final ClAttention attention;
    private final ClIndexing indexing;

    OpenClBackend(Device device, ClRuntime runtime, Variant variant) {
        this(device, runtime, variant, new MemoryStats());
        runtime.pool().reservedListener(memory::recordReserved);
    }

    private OpenClBackend(Device device, ClRuntime runtime, Variant variant, MemoryStats memory) {
        this.device = device;
        this.runtime = runtime;
        this.variant = variant;
        this.memory = memory;
        this.launcher = new ClLauncher(this, runtime, variant);
        this.elementwise = new ClElementwise(this);
        this.reductions = new ClReductions(this);
        this.linalg = new ClLinalg(this);
        this.rows = new ClRows(this);
        this.optim = new ClOptim(this);
        this.attention = new ClAttention(this);
        this.indexing = new ClIndexing(this);
    }

    /** The variant from {@code -Djmae.opencl.variant=gpu|cpu}, else the one the device type suggests. */
    static Variant configuredVariant(ClRuntime runtime) {
        String forced = Settings.openclVariant();
        return forced == null ? runtime.naturalVariant() : Variant.parse(forced);
    }

    /**
     * The same device and buffers driven by the other kernel family (for tests that check the
     * GPU-style kernels on a CPU driver); shares this backend's memory counters.
     *
     * @param other the variant to use
     * @return a backend whose kernels are built with that variant
     */
    OpenClBackend withVariant(Variant other) {
        return new OpenClBackend(device, runtime, other, memory);
    }

    /** @return the kernel family this backend builds */
    public Variant variant() {
        return variant;
    }

    /** @return the device name reported by the OpenCL driver */
    public String deviceName() {
        return runtime.name();
    }

    ClRuntime runtime() {
        return runtime;
    }

    /** @return the launcher the kernel families use (this backend's variant on its runtime) */
    ClLauncher launcher() {
        return launcher;
    }

    static ClStorage storage(Tensor t) {
        return (ClStorage) t.storage();
    }

    /**
     * A device scratch buffer counted in this backend's memory; the caller releases it as soon as
     * the commands using it are enqueued.
     */
    ClStorage scratch(int numel) {
        return (ClStorage) allocate(numel);
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
     * Allocates a device buffer, reusing a cached one of the same size class when possible.
     *
     * @param numel number of float32 elements
     * @return the storage, contents unspecified
     * @throws IllegalStateException if the device is out of memory even after emptying the cache
     */
    @Override
    public Storage allocate(int numel) {
        long classBytes = BufferPool.sizeClass(4L * numel);
        BufferPool pool = runtime.pool();
        cl_mem mem = pool.take(classBytes);
        if (mem == null) {
            try {
                mem = runtime.createBuffer(classBytes);
            } catch (IllegalStateException e) {
                pool.clear();
                mem = runtime.createBuffer(classBytes);
            }
            pool.created(classBytes);
        }
        cl_mem owned = mem;
        return new ClStorage(device, numel, memory, owned, () -> pool.recycle(owned, classBytes));
    }

    /**
     * Device memory held by released buffers kept for reuse (not counted in {@link #memory()}).
     *
     * @return cached bytes
     */
    public long cachedBytes() {
        return runtime.pool().cachedBytes();
    }

    /** Returns every cached buffer to the driver (like torch.cuda.empty_cache). */
    public void emptyCache() {
        runtime.pool().clear();
    }

    /**
     * Waits for every queued command, then reports a queued index error (see {@link ClIndexing}).
     *
     * @throws IllegalArgumentException if an indexing op queued since the last read or synchronize
     *     had an index outside its dimension
     */
    @Override
    public void synchronize() {
        runtime.finish();
        indexing.flush();
    }

    // ---- host transfers ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        runtime.writeBuffer(storage(dst), 4L * dst.offset(), src, srcOffset, dst.numel());
    }

    /**
     * Copies a tensor to the host, after reporting a queued index error (see {@link ClIndexing}).
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
        StridedPlan p = StridedPlan.of(src.shape(), src);
        if (p.isContiguous(0)) {
            runtime.readBuffer(storage(src), 4L * p.offset(0), dst, dstOffset, n);
            return;
        }
        ClStorage tmp = scratch(n);
        try {
            elementwise.copy(Tensor.wrap(tmp, src.shape(), dev.jmae.tensor.Shape.contiguousStrides(src.shape()), 0),
                    src);
            runtime.readBuffer(tmp, 0, dst, dstOffset, n);
        } finally {
            tmp.release();
        }
    }

    // ---- kernel families ----

    @Override
    public ElementwiseKernels elementwise() {
        return elementwise;
    }

    @Override
    public ReductionKernels reductions() {
        return reductions;
    }

    @Override
    public LinalgKernels linalg() {
        return linalg;
    }

    @Override
    public RowKernels rows() {
        return rows;
    }

    @Override
    public AttentionKernels attention() {
        return attention;
    }

    @Override
    public IndexingKernels indexing() {
        return indexing;
    }

    @Override
    public OptimKernels optim() {
        return optim;
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + device + ", " + runtime.name() + ", " + variant + " kernels]";
    }
}
