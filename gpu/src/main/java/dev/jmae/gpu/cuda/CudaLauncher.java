package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelLauncher;
import dev.jmae.gpu.Variant;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@link KernelLauncher} of a {@link CudaBackend}: OpenCL-style launches of the shared (and
 * CUDA-only) kernels turned into {@code cuLaunchKernel} calls on the backend's stream, by the rules
 * of {@link CudaLaunchLimits}: the block is the local size; the grid is the global size rounded up
 * to a multiple of it, divided by it; {@link KernelLauncher.Local} arguments are dropped and their
 * sizes, summed in argument order, are the launch's dynamic shared memory (the kernels'
 * {@code LOCAL_BIND} offsets assume that order). Storages become their device addresses, int
 * buffers likewise. Every launch is checked against the kernel's entry in
 * {@link CudaLaunchLimits}, so a host change that outgrows the limits the compile test holds the
 * kernel to fails here, naming the kernel, instead of running with unchecked resources.
 */
final class CudaLauncher implements KernelLauncher {

    /** An int buffer: one block of the caching allocator, held for the backend's life. */
    record CudaIntBuffer(CudaContext context, long pointer, int ints) implements IntBuffer {
        @Override
        public void fill(int first, int count, int value) {
            context.fillBits(pointer + 4L * first, count, value);
        }

        @Override
        public void read(int[] dst) {
            float[] f = new float[dst.length];
            context.download(f, 0, pointer, dst.length);
            for (int i = 0; i < dst.length; i++) {
                dst[i] = Float.floatToRawIntBits(f[i]);
            }
        }
    }

    private final CudaBackend backend;
    private final CudaContext context;
    private final ConcurrentMap<String, CudaLaunchLimits.Kernel> limits = new ConcurrentHashMap<>();

    CudaLauncher(CudaBackend backend, CudaContext context) {
        this.backend = backend;
        this.context = context;
    }

    @Override
    public Device device() {
        return backend.device();
    }

    @Override
    public MemoryStats memory() {
        return backend.memory();
    }

    @Override
    public String deviceName() {
        return context.properties().name();
    }

    @Override
    public Variant variant() {
        return Variant.GPU;
    }

    /**
     * A launch as cuLaunchKernel takes it.
     *
     * @param grid blocks in x, y, z
     * @param block threads per block in x, y, z
     * @param sharedBytes dynamic shared memory
     * @param args the kernel arguments (locals dropped, int buffers as pointers)
     */
    record Geometry(int[] grid, int[] block, long sharedBytes, Object[] args) {
    }

    /**
     * Converts an OpenCL-style launch (see the class comment).
     *
     * @param kernel the kernel's name, for messages
     * @param global work-items per dimension
     * @param local work-group size per dimension
     * @param args the arguments
     * @return the launch, or null when a global size is 0 (nothing to launch)
     * @throws IllegalArgumentException if the sizes do not fit CUDA's limits
     */
    static Geometry geometry(String kernel, long[] global, long[] local, Object... args) {
        if (local == null || local.length != global.length || global.length < 1 || global.length > 3) {
            throw new IllegalArgumentException("kernel " + kernel + ": CUDA launches need a local size per dimension"
                    + " (1 to 3), got global " + Arrays.toString(global) + ", local " + Arrays.toString(local));
        }
        for (long g : global) {
            if (g == 0) {
                return null;
            }
        }
        int[] grid = {1, 1, 1};
        int[] block = {1, 1, 1};
        for (int d = 0; d < global.length; d++) {
            long blocks = (global[d] + local[d] - 1) / local[d];
            long max = d == 0 ? Integer.MAX_VALUE : CudaLaunchLimits.MAX_GRID_YZ;
            if (blocks > max || local[d] > 1024 || local[d] < 1) {
                throw new IllegalArgumentException("kernel " + kernel + ": grid dimension " + d + " of " + blocks
                        + " blocks of " + local[d] + " exceeds CUDA's limits (grid x < 2^31, y and z <= "
                        + CudaLaunchLimits.MAX_GRID_YZ + ", blocks of 1 to 1024 threads); global "
                        + Arrays.toString(global) + "; hint: split the batch (B·H and rows of row kernels map to"
                        + " grid y)");
            }
            grid[d] = (int) blocks;
            block[d] = (int) local[d];
        }
        long shared = 0;
        List<Object> kept = new ArrayList<>(args.length);
        for (Object a : args) {
            switch (a) {
                case KernelLauncher.Local l -> shared += l.bytes();
                case CudaIntBuffer b -> kept.add(new KernelArgs.Pointer(b.pointer()));
                case null -> throw new IllegalArgumentException("kernel " + kernel + ": a null argument");
                default -> kept.add(a);
            }
        }
        return new Geometry(grid, block, shared, kept.toArray());
    }

    @Override
    public void launch(String file, String kernel, long[] global, long[] local, Object... args) {
        Geometry g = geometry(kernel, global, local, args);
        if (g == null) {
            return;
        }
        CudaLaunchLimits.Kernel lim = limits.computeIfAbsent(file + "/" + kernel,
                key -> CudaLaunchLimits.of(file, kernel));
        int threads = g.block()[0] * g.block()[1] * g.block()[2];
        if (threads > lim.maxThreadsPerBlock() || g.sharedBytes() > lim.maxDynamicSharedBytes()) {
            throw new IllegalStateException("kernel " + kernel + " (" + file + "): a launch of " + threads
                    + " threads and " + g.sharedBytes() + " B of dynamic shared memory exceeds its CudaLaunchLimits ("
                    + lim.maxThreadsPerBlock() + " threads, " + lim.maxDynamicSharedBytes() + " B), which the compile"
                    + " test holds the kernel to; hint: change the limits and the launch together");
        }
        try {
            context.launch(context.function(file, kernel), g.grid(), g.block(), (int) g.sharedBytes(), g.args());
        } finally {
            Reference.reachabilityFence(args);
        }
    }

    @Override
    public void fill(Storage out, long elementOffset, int count, float value) {
        CudaStorage s = (CudaStorage) out;
        try {
            context.fill(s.pointer(elementOffset), count, value);
        } finally {
            Reference.reachabilityFence(s);
        }
    }

    @Override
    public void copy(Storage src, long srcElementOffset, Storage dst, long dstElementOffset, int count) {
        CudaStorage s = (CudaStorage) src;
        CudaStorage d = (CudaStorage) dst;
        try {
            context.copy(d.pointer(dstElementOffset), s.pointer(srcElementOffset), count);
        } finally {
            Reference.reachabilityFence(s);
            Reference.reachabilityFence(d);
        }
    }

    @Override
    public Storage scratch(int numel) {
        return backend.allocate(numel);
    }

    @Override
    public int capGroup(int wanted) {
        int max = Math.max(1, context.properties().maxThreadsPerBlock());
        return Math.min(wanted, Integer.highestOneBit(max));
    }

    /** @return the 48 KiB a block may use without opting in (the SIMT kernels' budget is 3/4 of it) */
    @Override
    public long localMemBytes() {
        return CudaLaunchLimits.SHARED_BYTES_PER_BLOCK;
    }

    @Override
    public long kernelWorkGroupSize(String file, String kernel) {
        return context.function(file, kernel).maxThreadsPerBlock();
    }

    @Override
    public IntBuffer intBuffer(int ints) {
        CachingAllocator.Block block = context.allocator().allocate(4L * ints, context.streamId());
        return new CudaIntBuffer(context, block.pointer(), ints);
    }
}
