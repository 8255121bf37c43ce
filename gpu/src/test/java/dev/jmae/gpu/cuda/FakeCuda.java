package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host-emulated CUDA driver ({@code fake_libcuda.c}, compiled against the toolkit's
 * {@code cuda.h}) and NVRTC ({@code fake_libnvrtc.c}), built once per JVM into a temporary
 * folder, with handles on their test controls. Tests that use it call {@link #reset()} first
 * (the fakes' state is global).
 */
// binding native code is this class's purpose: its restricted FFM calls (library lookup, downcalls,
// reinterpret) are allowed by --enable-native-access in jmae's JVM flags
@SuppressWarnings("restricted")
final class FakeCuda {

    private static FakeCuda instance;

    final Path driverPath;
    final Path nvrtcPath;
    final CudaDriver driver;
    private final MethodHandle setInitResult;
    private final MethodHandle setDeviceCount;
    private final MethodHandle setCapacity;
    private final MethodHandle liveBytes;
    private final MethodHandle ctxSetCurrentCalls;
    private final MethodHandle lastHostAllocFlags;
    private final MethodHandle lastDynamicShared;
    private final MethodHandle setParamSizes;
    private final MethodHandle clearLaunches;
    private final MethodHandle launchCount;
    private final MethodHandle launchName;
    private final MethodHandle launchGeometry;
    private final MethodHandle launchParam;

    /**
     * One launch the fake recorded.
     *
     * @param kernel the function's name
     * @param grid blocks in x, y, z
     * @param block threads in x, y, z
     * @param sharedBytes dynamic shared memory
     * @param params the bytes of each parameter whose size was registered ({@link #recordParams})
     */
    record Launch(String kernel, int[] grid, int[] block, int sharedBytes, List<byte[]> params) {

        /** @return parameter p as an int (its first 4 bytes, little-endian) */
        int intParam(int p) {
            return java.nio.ByteBuffer.wrap(params.get(p)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        }

        /** @return parameter p as a float */
        float floatParam(int p) {
            return Float.intBitsToFloat(intParam(p));
        }

        /** @return parameter p as a pointer (8 bytes) */
        long pointerParam(int p) {
            return java.nio.ByteBuffer.wrap(params.get(p)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        }

        /** @return parameter p as a struct of ints */
        int[] intsParam(int p) {
            java.nio.IntBuffer b = java.nio.ByteBuffer.wrap(params.get(p)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer();
            int[] out = new int[b.remaining()];
            b.get(out);
            return out;
        }
    }

    private FakeCuda(Path driverPath, Path nvrtcPath) {
        this.driverPath = driverPath;
        this.nvrtcPath = nvrtcPath;
        NativeLibrary.Opened opened = NativeLibrary.open(List.of(driverPath.toString()));
        if (!opened.found()) {
            throw new IllegalStateException("the fake driver did not load: " + opened.triedList());
        }
        this.driver = new CudaDriver(opened.library());
        SymbolLookup controls = SymbolLookup.libraryLookup(driverPath, Arena.global());
        Linker linker = Linker.nativeLinker();
        setInitResult = linker.downcallHandle(controls.find("fake_set_init_result").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        setDeviceCount = linker.downcallHandle(controls.find("fake_set_device_count").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        setCapacity = linker.downcallHandle(controls.find("fake_set_capacity").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
        liveBytes = linker.downcallHandle(controls.find("fake_live_bytes").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG));
        ctxSetCurrentCalls = linker.downcallHandle(controls.find("fake_ctx_set_current_calls").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        lastHostAllocFlags = linker.downcallHandle(controls.find("fake_last_host_alloc_flags").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        lastDynamicShared = linker.downcallHandle(controls.find("fake_last_dynamic_shared").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        setParamSizes = linker.downcallHandle(controls.find("fake_set_param_sizes").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        clearLaunches = linker.downcallHandle(controls.find("fake_clear_launches").orElseThrow(),
                FunctionDescriptor.ofVoid());
        launchCount = linker.downcallHandle(controls.find("fake_launch_count").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        launchName = linker.downcallHandle(controls.find("fake_launch_name").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        launchGeometry = linker.downcallHandle(controls.find("fake_launch_geometry").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        launchParam = linker.downcallHandle(controls.find("fake_launch_param").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS));
    }

    /**
     * The fakes, built on first use; skips the test (fails it in CI) without gcc and cuda.h.
     *
     * @return the fakes
     */
    static synchronized FakeCuda get() {
        Path[] tools = NativeTools.requireCompilerAndCudaHeader();
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("jmae-fake-cuda");
                dir.toFile().deleteOnExit();
                Path driver = NativeTools.compileShared(tools[0], tools[1], "fake_libcuda.c",
                        dir.resolve("libcuda.so.1"));
                Path nvrtc = NativeTools.compileShared(tools[0], null, "fake_libnvrtc.c",
                        dir.resolve("libnvrtc.so.13"));
                for (String f : List.of("libcuda.so.1", "libnvrtc.so.13", "fake_libcuda.c", "fake_libnvrtc.c")) {
                    dir.resolve(f).toFile().deleteOnExit();
                }
                instance = new FakeCuda(driver, nvrtc);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        instance.reset();
        return instance;
    }

    /** Restores the defaults: cuInit succeeds, one device, 1 TiB of memory, no launches recorded. */
    void reset() {
        initResult(0);
        deviceCount(1);
        capacity(1L << 40);
        clearLaunches();
    }

    /**
     * Registers the parameter sizes of a kernel, so that its launches record their arguments.
     *
     * @param kernel the function name
     * @param sizes bytes of each parameter, in order (8 for pointers)
     */
    void recordParams(String kernel, int... sizes) {
        try (Arena arena = Arena.ofConfined()) {
            setParamSizes.invokeExact(arena.allocateFrom(kernel), sizes.length,
                    arena.allocateFrom(ValueLayout.JAVA_INT, sizes));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Forgets the recorded launches. */
    void clearLaunches() {
        try {
            clearLaunches.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** @return the launches of "CUBIN:ANY" modules since the last reset, in order (at most 512) */
    List<Launch> launches() {
        try (Arena arena = Arena.ofConfined()) {
            int n = (int) launchCount.invokeExact();
            List<Launch> out = new java.util.ArrayList<>();
            MemorySegment name = arena.allocate(64);
            MemorySegment geometry = arena.allocate(ValueLayout.JAVA_INT, 7);
            MemorySegment param = arena.allocate(192);
            for (int i = 0; i < n; i++) {
                launchName.invokeExact(i, name, 64);
                launchGeometry.invokeExact(i, geometry);
                int[] g = geometry.toArray(ValueLayout.JAVA_INT);
                List<byte[]> params = new java.util.ArrayList<>();
                for (int p = 0;; p++) {
                    int size = (int) launchParam.invokeExact(i, p, param);
                    if (size < 0) {
                        break;
                    }
                    params.add(param.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE));
                }
                out.add(new Launch(name.getString(0), new int[] {g[0], g[1], g[2]}, new int[] {g[3], g[4], g[5]}, g[6],
                        params));
            }
            return out;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void initResult(int status) {
        try {
            setInitResult.invokeExact(status);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void deviceCount(int n) {
        try {
            setDeviceCount.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void capacity(long bytes) {
        try {
            setCapacity.invokeExact(bytes);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    long liveBytes() {
        try {
            return (long) liveBytes.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int ctxSetCurrentCalls() {
        try {
            return (int) ctxSetCurrentCalls.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int lastHostAllocFlags() {
        try {
            return (int) lastHostAllocFlags.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int lastDynamicShared() {
        try {
            return (int) lastDynamicShared.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** @return an NVRTC binding on the fake NVRTC */
    Nvrtc nvrtc() {
        NativeLibrary.Opened n = NativeLibrary.open(List.of(nvrtcPath.toString()));
        if (!n.found()) {
            throw new IllegalStateException("the fake NVRTC did not load: " + n.triedList());
        }
        return new Nvrtc(n.library());
    }
}
