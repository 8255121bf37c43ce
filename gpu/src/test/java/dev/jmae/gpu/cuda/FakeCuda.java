package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
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
                Path driver = NativeTools.compileShared(tools[0], tools[1], "fake_libcuda.c", dir.resolve("libcuda.so.1"));
                Path nvrtc = NativeTools.compileShared(tools[0], null, "fake_libnvrtc.c", dir.resolve("libnvrtc.so.13"));
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

    /** Restores the defaults: cuInit succeeds, one device, 1 TiB of memory. */
    void reset() {
        initResult(0);
        deviceCount(1);
        capacity(1L << 40);
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
