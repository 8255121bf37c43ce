package dev.jmae.gpu.cuda;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend's host code end to end over the host-emulated driver ({@link FakeCuda}): every
 * call crosses the FFM bindings into C compiled against {@code cuda.h}, so argument types, out
 * parameters, the kernelParams array and the staging protocol are exercised without a GPU.
 */
class CudaBackendFakeDriverTest {

    /** Staging buffers of 16 floats, so transfers of 17+ floats take several chunks. */
    private static final long CHUNK = 64;

    private FakeCuda fake;
    private CudaContext context;
    private CudaBackend backend;
    private final List<String> compiled = new ArrayList<>();

    @BeforeEach
    void open(@TempDir Path cache) {
        fake = FakeCuda.get();
        JitCache.Compiler compiler = new JitCache.Compiler() {
            @Override
            public String version() {
                return "fake 1.0";
            }

            @Override
            public byte[] compile(String source, String name, List<String> options) {
                compiled.add(name + " " + options);
                String prefix = source.startsWith("broken") ? "ELF?" : "CUBIN:";
                return (prefix + source).getBytes(StandardCharsets.UTF_8);
            }
        };
        context = CudaContext.open(fake.driver, 0, new JitCache(cache, compiler), new int[] {80, 90},
                FakeCudaBackends.SOURCES, CHUNK);
        backend = new CudaBackend(new Device("cuda", 0), context, null, "no cuBLASLt in this test");
    }

    private Tensor tensor(int numel, int offset) {
        Storage s = backend.allocate(numel + offset);
        return Tensor.wrap(s, new int[] {numel}, new int[] {1}, offset);
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    @Test
    void writeThenReadRoundTripsThroughChunkedStaging() {
        Random rnd = new Random(7);
        for (int n : new int[] {1, 7, 16, 17, 33, 197}) {
            float[] src = random(rnd, n + 2);
            Tensor t = tensor(n, 3);
            backend.write(t, src, 2);
            float[] back = new float[n + 1];
            backend.read(back, 1, t);
            assertArrayEquals(java.util.Arrays.copyOfRange(src, 2, 2 + n), java.util.Arrays.copyOfRange(back, 1, 1 + n),
                    "n = " + n);
            assertEquals(0f, back[0], "nothing written before dstOffset");
        }
        assertEquals(4 * CHUNK, context.staging().pinnedBytes(), "two upload and two download buffers");
    }

    /** Strided views are gathered on the device by the copy kernel (which the fake runs on the host). */
    @Test
    void stridedViewsAreReadInRowMajorOrder() {
        float[] m = new float[20];
        for (int i = 0; i < 20; i++) {
            m[i] = i;
        }
        Storage s = backend.allocate(21);
        Tensor flat = Tensor.wrap(s, new int[] {20}, new int[] {1}, 1);
        backend.write(flat, m, 0);
        // the transpose of a [4, 5] matrix
        Tensor t = Tensor.wrap(s, new int[] {5, 4}, new int[] {1, 5}, 1);
        float[] got = new float[20];
        backend.read(got, 0, t);
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 4; c++) {
                assertEquals(m[c * 5 + r], got[r * 4 + c], "transpose at " + r + "," + c);
            }
        }
        // column 2 expanded to [3, 4] (stride 0), and a narrowed block
        Tensor e = Tensor.wrap(s, new int[] {3, 4}, new int[] {0, 5}, 1 + 2);
        float[] ge = new float[12];
        backend.read(ge, 0, e);
        assertArrayEquals(new float[] {2, 7, 12, 17, 2, 7, 12, 17, 2, 7, 12, 17}, ge);
        Tensor nb = Tensor.wrap(s, new int[] {2, 2}, new int[] {5, 1}, 1 + 6);
        float[] gn = new float[4];
        backend.read(gn, 0, nb);
        assertArrayEquals(new float[] {6, 7, 11, 12}, gn);
    }

    @Test
    void fillAndDeviceCopyGoThroughTheStream() {
        Tensor a = tensor(37, 0);
        Tensor b = tensor(37, 0);
        context.fill(CudaBackend.storage(a).pointer(), 37, -2.5f);
        context.copy(CudaBackend.storage(b).pointer(), CudaBackend.storage(a).pointer(), 37);
        float[] got = new float[37];
        backend.read(got, 0, b);
        for (float v : got) {
            assertEquals(-2.5f, v);
        }
    }

    @Test
    void releasedStorageIsReusedAndEmptyCacheReturnsIt() {
        long before = fake.liveBytes();
        Storage s1 = backend.allocate(100);
        long p1 = ((CudaStorage) s1).pointer();
        assertEquals(400, backend.memory().liveBytes());
        s1.release();
        assertEquals(0, backend.memory().liveBytes());
        assertThrows(IllegalStateException.class, ((CudaStorage) s1)::pointer);
        Storage s2 = backend.allocate(120);
        assertEquals(p1, ((CudaStorage) s2).pointer(), "same 512-byte class: the cached block");
        CachingAllocator.Stats st = backend.allocatorStats();
        assertEquals(1, st.cacheHits());
        assertEquals(512, st.reservedBytes());
        assertEquals(before + 512, fake.liveBytes());
        assertEquals(512, backend.memory().reservedBytes(), "the allocator reports to MemoryStats");
        s2.release();
        assertEquals(512, backend.cachedBytes());
        assertEquals(512, backend.memory().reservedBytes());
        assertEquals(512, backend.memory().peakReservedBytes());
        backend.emptyCache();
        assertEquals(0, backend.reservedBytes());
        assertEquals(0, backend.memory().reservedBytes());
        assertEquals(512, backend.memory().peakReservedBytes());
        assertEquals(before, fake.liveBytes(), "the block went back to the driver");
    }

    @Test
    void outOfMemoryEmptiesTheCacheThenReportsWithAHint() {
        backend.emptyCache();
        fake.capacity(fake.liveBytes() + 4096);
        backend.allocate(1000).release();
        Storage s = backend.allocate(600);
        assertEquals(1, backend.allocatorStats().outOfMemoryRetries());
        CudaException e = assertThrows(CudaException.class, () -> backend.allocate(1000));
        assertEquals(DriverAbi.CUDA_ERROR_OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("hint: free tensors"), e.getMessage());
        s.release();
    }

    @Test
    void compiledKernelsLaunchWithTheirArguments() {
        Random rnd = new Random(3);
        int n = 50;
        float[] x = random(rnd, n);
        float[] y = random(rnd, n);
        Tensor tx = tensor(n, 0);
        Tensor ty = tensor(n, 0);
        backend.write(tx, x, 0);
        backend.write(ty, y, 0);
        CudaFunction axpy = context.function("blas", "axpy");
        assertEquals(40, axpy.registers());
        assertEquals(1, compiled.size());
        assertTrue(compiled.get(0).startsWith("blas.cu " + CudaLaunchLimits.NVRTC_OPTIONS.toString().replace("]", ",")),
                compiled.get(0));
        assertTrue(compiled.get(0).contains("--gpu-architecture=sm_90"), compiled.get(0));
        context.launch(axpy, new int[] {2, 1, 1}, new int[] {32, 1, 1}, 0, CudaBackend.storage(ty),
                CudaBackend.storage(tx), 2f, n);
        float[] got = new float[n];
        backend.read(got, 0, ty);
        for (int i = 0; i < n; i++) {
            assertEquals(y[i] + 2f * x[i], got[i], 1e-6f, "y[" + i + "]");
        }
        assertEquals(axpy, context.function("blas", "axpy"), "loaded once");
        assertEquals(1, compiled.size());
    }

    @Test
    void byValueStructsAndWideScalarsArriveIntact() {
        Tensor out = tensor(6, 0);
        CudaFunction probe = context.function("probe", "args_probe");
        context.launch(probe, new int[] {1, 1, 1}, new int[] {1, 1, 1}, 0, CudaBackend.storage(out),
                new int[] {11, -22, 33}, 0.5, 123456789L, 0.75f);
        float[] got = new float[6];
        backend.read(got, 0, out);
        assertArrayEquals(new float[] {11, -22, 33, 0.5f, (float) 123456789L, 0.75f}, got);
    }

    @Test
    void sharedMemoryAboveTheLimitIsOptedIntoAndCheckedAgainstTheDevice() {
        Tensor t = tensor(1, 0);
        CudaFunction axpy = context.function("blas", "axpy");
        context.launch(axpy, new int[] {1, 1, 1}, new int[] {1, 1, 1}, 100_000, CudaBackend.storage(t),
                CudaBackend.storage(t), 1f, 0);
        assertEquals(100_000, fake.lastDynamicShared());
        assertEquals(100_000, axpy.dynamicSharedLimit());
        int max = context.properties().sharedMemoryPerBlockOptinBytes() - axpy.staticSharedBytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> context.launch(axpy,
                new int[] {1, 1, 1}, new int[] {1, 1, 1}, max + 1, CudaBackend.storage(t), CudaBackend.storage(t), 1f,
                0));
        assertTrue(e.getMessage().contains("at most " + max), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> context.launch(axpy, new int[] {1, 1, 1},
                new int[] {1025, 1, 1}, 0, CudaBackend.storage(t), CudaBackend.storage(t), 1f, 0));
    }

    @Test
    void driverErrorsNameTheCallAndTheError() {
        CudaException missing = assertThrows(CudaException.class, () -> context.function("blas", "nope"));
        assertEquals("CUDA_ERROR_NOT_FOUND", missing.errorName());
        assertTrue(missing.getMessage().startsWith("cuModuleGetFunction(nope) failed: CUDA_ERROR_NOT_FOUND (500)"),
                missing.getMessage());
        CudaException image = assertThrows(CudaException.class, () -> context.function("broken", "axpy"));
        // the fake's cuGetErrorName does not know this code: the name comes from DriverAbi
        assertEquals("CUDA_ERROR_INVALID_IMAGE", image.errorName());
        assertTrue(image.getMessage().contains("cuModuleLoadData(broken for --gpu-architecture=sm_90)"),
                image.getMessage());
    }

    @Test
    void uploadsUseWriteCombinedAndDownloadsCachedPinnedMemory() {
        Tensor t = tensor(4, 0);
        backend.write(t, new float[4], 0);
        assertEquals(DriverAbi.CU_MEMHOSTALLOC_PORTABLE | DriverAbi.CU_MEMHOSTALLOC_WRITECOMBINED,
                fake.lastHostAllocFlags());
        backend.read(new float[4], 0, t);
        assertEquals(DriverAbi.CU_MEMHOSTALLOC_PORTABLE, fake.lastHostAllocFlags());
    }

    @Test
    void aNewThreadMakesTheContextCurrentOnce() throws InterruptedException {
        Tensor t = tensor(8, 0);
        int before = fake.ctxSetCurrentCalls();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread th = Thread.ofPlatform().start(() -> {
            try {
                backend.write(t, new float[8], 0);
                backend.read(new float[8], 0, t);
                backend.synchronize();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        th.join();
        assertEquals(null, failure.get());
        assertEquals(before + 1, fake.ctxSetCurrentCalls());
    }

    @Test
    void propertiesAndTimingComeFromTheDriver() {
        CudaDeviceProperties p = backend.properties();
        assertEquals("Fake GPU 0", p.name());
        assertEquals(90, p.computeCapability());
        assertEquals(132, p.multiprocessors());
        assertEquals("GPU-00010203-0405-0607-0809-0a0b0c0d0e0f", p.uuid());
        assertEquals(232448, p.sharedMemoryPerBlockOptinBytes());
        assertEquals("--gpu-architecture=sm_90", context.architectureOption());
        assertEquals(1.5f, context.timeMs(() -> {}));
        assertTrue(backend.toString().contains("Fake GPU 0, sm_90, matmul highest"), backend.toString());
        backend.setMatmulPrecision(MatmulPrecision.HIGH);
        assertEquals(MatmulPrecision.HIGH, backend.matmulPrecision());
    }

    @Test
    void aCublasLtThatCannotStartLeavesTheSimtKernel() {
        // a "cuBLASLt" without cublasLtCreate (the fake driver's library): the handle cannot be created
        CublasLt broken = new CublasLt(NativeLibrary.open(List.of(fake.driverPath.toString())).library());
        CudaBackend b = new CudaBackend(new Device("cuda", 0), context, broken, null);
        assertEquals(null, b.gemm());
        assertTrue(b.gemmUnavailableReason().startsWith("cuBLASLt could not be initialized (")
                && b.gemmUnavailableReason().contains("SIMT"), b.gemmUnavailableReason());
    }
}
