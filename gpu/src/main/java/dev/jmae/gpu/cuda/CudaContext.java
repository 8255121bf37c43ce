package dev.jmae.gpu.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One CUDA device opened for jmae: its primary context, the one stream every copy and kernel goes
 * to, the caching allocator, the pinned staging buffers, and the kernels loaded so far.
 *
 * <p>Context: the device's primary context (the one PyTorch and the runtime API share), made
 * current on each thread before its first driver call ({@link #makeCurrent()}). Stream: one
 * non-blocking stream; everything is ordered on it, so no call but {@link #synchronize()} and a
 * download waits for the device. Kernels: a program (one source file) is compiled by NVRTC for the
 * device through the {@link JitCache} on first use, loaded with {@code cuModuleLoadData}, and its
 * kernels looked up by name; modules and functions stay loaded for the life of the process.
 *
 * <p>Thread safety: copies and launches are serialized on this object; allocator calls are
 * thread-safe on their own.
 */
final class CudaContext implements CachingAllocator.DeviceMemory {

    /** The CUDA C++ source of each program (supplied by the kernel sources; a fake in tests). */
    interface KernelSources {
        /**
         * The complete source of a program, prelude included.
         *
         * @param program the program name, e.g. {@code elementwise.c} (a {@link dev.jmae.gpu.KernelSource} file)
         * @return the source
         * @throws UnsupportedOperationException if there is no such program
         */
        String source(String program);

        /**
         * Options this program needs besides {@link Nvrtc#baseOptions()} and the architecture
         * (e.g. {@code -DJMAE_CUDA}).
         *
         * @param program the program name
         * @return the options
         */
        default List<String> options(String program) {
            return List.of();
        }
    }

    /** Shared memory a block may use without opting in (48 KiB on every architecture). */
    static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();

    private final CudaDriver driver;
    private final int ordinal;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final CudaDeviceProperties properties;
    private final CachingAllocator allocator;
    private final PinnedStaging staging;
    private final JitCache jit;
    private final String architectureOption;
    private final KernelSources sources;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, CudaFunction> functions = new HashMap<>();

    private CudaContext(CudaDriver driver, int ordinal, int device, JitCache jit, String architectureOption,
                        KernelSources sources, long stagingChunkBytes) {
        this.driver = driver;
        this.ordinal = ordinal;
        this.properties = CudaDeviceProperties.read(driver, device);
        this.context = driver.primaryCtxRetain(device);
        driver.ctxSetCurrent(context);
        CURRENT.set(context);
        this.stream = driver.streamCreate(DriverAbi.CU_STREAM_NON_BLOCKING);
        this.allocator = new CachingAllocator(this);
        this.staging = new PinnedStaging(driver, stream, stagingChunkBytes);
        this.jit = jit;
        this.architectureOption = architectureOption;
        this.sources = sources;
    }

    /**
     * Opens a device: retains its primary context and creates the stream.
     *
     * @param driver the initialized driver
     * @param ordinal the device index
     * @param jit the kernel cache (its compiler is NVRTC), or null when no compiler is available
     *     (then copies work and launches throw)
     * @param supportedArchs the compiler's architectures ({@link Nvrtc#supportedArchs()}), or null
     * @param sources the kernel sources
     * @param stagingChunkBytes bytes per pinned staging buffer
     * @return the context
     * @throws CudaException if the driver refuses
     */
    static CudaContext open(CudaDriver driver, int ordinal, JitCache jit, int[] supportedArchs, KernelSources sources,
                            long stagingChunkBytes) {
        int device = driver.device(ordinal);
        String arch = null;
        if (supportedArchs != null) {
            int cc = 10 * driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)
                    + driver.attribute(DriverAbi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            arch = Nvrtc.architecture(cc, supportedArchs);
        }
        return new CudaContext(driver, ordinal, device, jit, arch, sources, stagingChunkBytes);
    }

    /** Makes this context current on the calling thread (a no-op when it already is). */
    void makeCurrent() {
        if (CURRENT.get() != context) {
            driver.ctxSetCurrent(context);
            CURRENT.set(context);
        }
    }

    /** @return the driver */
    CudaDriver driver() {
        return driver;
    }

    /** @return the device index */
    int ordinal() {
        return ordinal;
    }

    /** @return the device's properties */
    CudaDeviceProperties properties() {
        return properties;
    }

    /** @return the stream every copy and kernel goes to */
    MemorySegment stream() {
        return stream;
    }

    /** @return the stream's id for the allocator's per-stream free lists */
    long streamId() {
        return stream.address();
    }

    /** @return the caching allocator */
    CachingAllocator allocator() {
        return allocator;
    }

    /** @return the staging buffers */
    PinnedStaging staging() {
        return staging;
    }

    /** @return the kernel cache, or null without a compiler */
    JitCache jit() {
        return jit;
    }

    /** @return the {@code --gpu-architecture} option kernels are compiled with, or null without a compiler */
    String architectureOption() {
        return architectureOption;
    }

    // ------------------------------------------------------------------ DeviceMemory

    @Override
    public long tryAllocate(long bytes) {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            int rc = driver.memAlloc(bytes, out);
            if (rc == DriverAbi.CUDA_ERROR_OUT_OF_MEMORY) {
                return 0;
            }
            driver.check("cuMemAlloc_v2(" + bytes + " bytes)", rc);
            return out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void free(long pointer) {
        makeCurrent();
        driver.memFree(pointer);
    }

    @Override
    public synchronized void synchronize() {
        makeCurrent();
        driver.streamSynchronize(stream);
    }

    // ------------------------------------------------------------------ copies

    /**
     * Queues a copy of host floats to device memory (returns once they are staged).
     *
     * @param dst device address
     * @param src host floats
     * @param srcOffset first element
     * @param count floats
     */
    synchronized void upload(long dst, float[] src, int srcOffset, int count) {
        if (count == 0) {
            return;
        }
        makeCurrent();
        staging.upload(dst, src, srcOffset, count);
    }

    /**
     * Copies device floats to the host after all queued work.
     *
     * @param dst host floats
     * @param dstOffset first element
     * @param src device address
     * @param count floats
     */
    synchronized void download(float[] dst, int dstOffset, long src, int count) {
        if (count == 0) {
            return;
        }
        makeCurrent();
        staging.download(dst, dstOffset, src, count);
    }

    /**
     * Queues a fill of device floats ({@code cuMemsetD32Async} with the value's bits).
     *
     * @param dst device address
     * @param count floats
     * @param value the value
     */
    synchronized void fill(long dst, long count, float value) {
        fillBits(dst, count, Float.floatToRawIntBits(value));
    }

    /**
     * Queues a fill of 32-bit words ({@code cuMemsetD32Async}).
     *
     * @param dst device address
     * @param count words
     * @param bits the word
     */
    synchronized void fillBits(long dst, long count, int bits) {
        if (count == 0) {
            return;
        }
        makeCurrent();
        driver.memsetD32Async(dst, bits, count, stream);
    }

    /**
     * Queues a device-to-device copy.
     *
     * @param dst device address
     * @param src device address
     * @param count floats
     */
    synchronized void copy(long dst, long src, long count) {
        if (count == 0) {
            return;
        }
        makeCurrent();
        driver.memcpyDtoDAsync(dst, src, 4 * count, stream);
    }

    // ------------------------------------------------------------------ kernels

    /**
     * A kernel, compiling and loading its program on first use.
     *
     * @param program the program (source) name
     * @param kernel the kernel name ({@code extern "C"})
     * @return the loaded kernel
     * @throws UnsupportedOperationException if no compiler is available or the program has no source
     * @throws CudaException if compiling, loading or the lookup fails (with the compiler's log)
     */
    synchronized CudaFunction function(String program, String kernel) {
        String key = program + "/" + kernel;
        CudaFunction f = functions.get(key);
        if (f != null) {
            return f;
        }
        makeCurrent();
        MemorySegment module = modules.get(program);
        if (module == null) {
            if (jit == null) {
                throw new UnsupportedOperationException("cannot compile CUDA program " + program + ": NVRTC is not"
                        + " available; hint: install the CUDA toolkit's NVRTC (libnvrtc.so.13 or .12)");
            }
            List<String> options = new ArrayList<>(Nvrtc.baseOptions());
            options.add(architectureOption);
            options.addAll(sources.options(program));
            String name = program.contains(".") ? program : program + ".cu";
            byte[] image = jit.image(sources.source(program), name, options, properties.computeCapability());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(image.length + 1L);
                MemorySegment.copy(image, 0, seg, ValueLayout.JAVA_BYTE, 0, image.length);
                module = driver.moduleLoadData(seg, program + " for " + architectureOption);
            }
            modules.put(program, module);
        }
        MemorySegment h = driver.moduleGetFunction(module, kernel);
        f = new CudaFunction(program, kernel, h,
                driver.funcGetAttribute(DriverAbi.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, h),
                driver.funcGetAttribute(DriverAbi.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, h),
                driver.funcGetAttribute(DriverAbi.CU_FUNC_ATTRIBUTE_NUM_REGS, h),
                driver.funcGetAttribute(DriverAbi.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, h),
                driver.funcGetAttribute(DriverAbi.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, h));
        functions.put(key, f);
        return f;
    }

    /**
     * Queues a kernel launch. A grid with a zero dimension launches nothing. Dynamic shared memory
     * above the kernel's current limit is opted into first ({@code cuFuncSetAttribute}).
     *
     * @param f the kernel
     * @param grid blocks in x, y, z
     * @param block threads per block in x, y, z
     * @param sharedBytes dynamic shared memory per block
     * @param args the kernel's arguments ({@link KernelArgs})
     * @throws IllegalArgumentException if the block is larger than the kernel allows, or the
     *     shared memory larger than the device allows
     * @throws CudaException if the driver refuses the launch
     */
    synchronized void launch(CudaFunction f, int[] grid, int[] block, int sharedBytes, Object... args) {
        if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) {
            return;
        }
        int threads = block[0] * block[1] * block[2];
        if (threads > f.maxThreadsPerBlock()) {
            throw new IllegalArgumentException("kernel " + f + ": block of " + threads + " threads, at most "
                    + f.maxThreadsPerBlock() + " possible with its register use");
        }
        makeCurrent();
        if (sharedBytes > f.dynamicSharedLimit()) {
            int max = properties.sharedMemoryPerBlockOptinBytes() - f.staticSharedBytes();
            if (sharedBytes > max) {
                throw new IllegalArgumentException("kernel " + f + ": " + sharedBytes + " B of dynamic shared memory,"
                        + " the device allows at most " + max + " B besides the kernel's static shared memory");
            }
            driver.funcSetAttribute(f.handle(), DriverAbi.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
            f.dynamicSharedLimit(sharedBytes);
        }
        try (Arena arena = Arena.ofConfined()) {
            driver.launchKernel(f.handle(), f.name(), grid, block, sharedBytes, stream, KernelArgs.pack(arena, args));
        } finally {
            // storages among the arguments must stay reachable until the launch is queued
            Reference.reachabilityFence(args);
        }
    }

    /**
     * Times the work queued by an action with two events on the stream (synchronizes).
     *
     * @param action queues the work
     * @return elapsed device time in milliseconds
     */
    float timeMs(Runnable action) {
        MemorySegment start;
        MemorySegment end;
        synchronized (this) {
            makeCurrent();
            start = driver.eventCreate(DriverAbi.CU_EVENT_DEFAULT);
            end = driver.eventCreate(DriverAbi.CU_EVENT_DEFAULT);
            driver.eventRecord(start, stream);
        }
        try {
            action.run();
            synchronized (this) {
                driver.eventRecord(end, stream);
                driver.eventSynchronize(end);
                return driver.eventElapsedMs(start, end);
            }
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
        }
    }
}
