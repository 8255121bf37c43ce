package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL backend as a device: discovery through ServiceLoader, memory accounting, release,
 * run-to-run determinism, synchronization, and errors.
 */
class OpenClBackendTest {

    @Test
    void providerIsDiscoveredAndBackendsAreCached() {
        Device d = GpuTesting.openclDevice();
        BackendProvider p = Backends.providers().stream().filter(x -> x.type().equals("opencl")).findFirst()
                .orElseThrow();
        assertInstanceOf(OpenClProvider.class, p);
        assertNull(p.unavailableReason());
        assertTrue(p.deviceCount() >= 1);
        assertSame(Backends.of(d), Backends.of(Device.parse("opencl:0")));
        assertSame(Backends.of(d), p.create(0));
        assertTrue(Backends.availableDevices().contains(d));
        assertEquals(d, Backends.of(d).device());
        assertThrows(dev.jmae.tensor.BackendUnavailableException.class, () -> Backends.of(new Device("opencl", 99)));
    }

    /**
     * Counted on a backend instance with its own counters, so that storages the garbage collector
     * releases from other tests cannot disturb the numbers.
     */
    @Test
    void liveBytesRiseOnAllocationAndFallOnRelease() {
        Device d = GpuTesting.openclDevice();
        OpenClBackend shared = GpuTesting.openclBackend();
        OpenClBackend be = new OpenClBackend(d, shared.runtime(), shared.variant());
        MemoryStats stats = be.memory();
        assertEquals(0, stats.liveBytes());
        Storage big = be.allocate(250_000);
        assertEquals(1_000_000, stats.liveBytes());
        assertEquals(1_000_000, stats.peakBytes());
        big.release();
        big.release();
        assertEquals(0, stats.liveBytes(), "released once, idempotent");
        assertEquals(1_000_000, stats.peakBytes());
        assertThrows(IllegalStateException.class, () -> ((ClStorage) big).mem());

        // ops release their scratch buffers: strided read, var's mean, matmul packing, attention delta
        Tensor x = wrap(be, 64, 96);
        be.write(x, TestData.normal(new Generator(1), 64 * 96, 0, 1), 0);
        long withX = stats.liveBytes();
        be.read(new float[64 * 96], 0, x.transpose(0, 1));
        Tensor v = wrap(be, 1, 96);
        be.reductions().var(v, x, new int[] {0}, 1);
        Tensor m = wrap(be, 64, 64);
        be.linalg().matmul(m, x, x.transpose(0, 1), null);
        Tensor q = x.reshape(2, 2, 16, 96);
        Tensor o = wrap(be, 2, 2, 16, 96);
        Tensor lse = wrap(be, 2, 2, 16);
        be.attention().attentionForward(o, lse, q, q, q, 0.1f);
        Tensor g = wrap(be, 2, 2, 16, 96);
        be.attention().attentionBackward(g, g, g, o, lse, o, q, q, q, 0.1f);
        be.synchronize();
        assertEquals(withX + 4L * (96 + 64 * 64 + 2 * 2 * 16 * 96 * 2 + 2 * 2 * 16), stats.liveBytes(),
                "only the results remain");
        assertTrue(stats.peakBytes() > stats.liveBytes(), "scratch was counted while it lived");
        for (Tensor t : new Tensor[] {x, v, m, o, lse, g}) {
            t.release();
        }
        assertEquals(0, stats.liveBytes());
    }

    private static Tensor wrap(OpenClBackend be, int... shape) {
        return Tensor.wrap(be.allocate(dev.jmae.tensor.Shape.numel(shape)), shape,
                dev.jmae.tensor.Shape.contiguousStrides(shape), 0);
    }

    @Test
    void releasedBuffersAreReusedBySameSizedAllocations() {
        Device d = GpuTesting.openclDevice();
        OpenClBackend shared = GpuTesting.openclBackend();
        OpenClBackend be = new OpenClBackend(d, shared.runtime(), shared.variant());
        ClStorage first = (ClStorage) be.allocate(123_457);
        org.jocl.cl_mem mem = first.mem();
        long cached = be.cachedBytes();
        first.release();
        assertTrue(be.cachedBytes() >= cached + 4L * 123_457, "the buffer went to the cache");
        ClStorage second = (ClStorage) be.allocate(123_400);
        assertSame(mem, second.mem(), "same size class, same buffer");
        assertEquals(4L * 123_400, be.memory().liveBytes(), "counted at the requested size");
        second.release();
        assertEquals(0, be.memory().liveBytes());
        assertEquals(BufferPool.sizeClass(4L * 123_457), BufferPool.sizeClass(4L * 123_400));
        assertTrue(BufferPool.sizeClass(1) >= 4 && BufferPool.sizeClass(100_000) >= 100_000);
        assertTrue(BufferPool.sizeClass(100_000_000) <= 100_000_000 * 1.125);
    }

    @Test
    void reservedBytesCountWhatTheBuffersAndTheCacheHold() {
        OpenClBackend be = GpuTesting.openclBackend();
        be.emptyCache();
        dev.jmae.tensor.MemoryStats stats = be.memory();
        long before = stats.reservedBytes();
        assertTrue(before >= stats.liveBytes(), "live storages are reserved memory: " + stats);
        dev.jmae.tensor.Storage s = be.allocate(777_777);
        long size = BufferPool.sizeClass(4L * 777_777);
        assertEquals(before + size, stats.reservedBytes(), "a new buffer of its size class");
        assertTrue(stats.peakReservedBytes() >= before + size);
        s.release();
        assertEquals(before + size, stats.reservedBytes(), "cached, still reserved");
        be.emptyCache();
        assertEquals(before, stats.reservedBytes(), "returned to the driver");
    }

    @Test
    void concurrentCallersGetCorrectResults() throws Exception {
        Device d = GpuTesting.openclDevice();
        float[] x = TestData.normal(new Generator(7), 65 * 33, 0, 1);
        Tensor ref = Tensor.of(Device.REFERENCE, x, 65, 33);
        float[] want = ref.matmul(ref.transpose(0, 1)).softmax(-1).sum(0, false).toArray();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 6; t++) {
                results.add(pool.submit(() -> {
                    Tensor a = Tensor.of(d, x, 65, 33);
                    float[] last = null;
                    for (int i = 0; i < 5; i++) {
                        last = a.matmul(a.transpose(0, 1)).softmax(-1).sum(0, false).toArray();
                    }
                    return last;
                }));
            }
            for (java.util.concurrent.Future<float[]> f : results) {
                dev.jmae.tensor.testing.ParityAssert.assertClose("threaded matmul/softmax/sum", new int[] {65}, want,
                        f.get(), 1e-4, 1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tensorScopeReleasesDeviceStorage() {
        Device d = GpuTesting.openclDevice();
        Tensor kept;
        Tensor dropped;
        TensorScope scope = TensorScope.open();
        try {
            dropped = Tensor.ones(d, 1000);
            kept = TensorScope.keep(Tensor.ones(d, 10).mul(2f));
        } finally {
            scope.close();
        }
        assertTrue(dropped.storage().isReleased());
        assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, kept.toArray());
    }

    @Test
    void sameInputsGiveBitIdenticalOutputs() {
        Device d = GpuTesting.openclDevice();
        Generator g = new Generator(5);
        Tensor x = Tensor.of(d, TestData.withOutliers(g, 4 * 197 * 96), 4, 197, 96);
        Tensor w = Tensor.of(d, TestData.withOutliers(g, 96 * 96), 96, 96);
        Tensor q = Tensor.of(d, TestData.normal(g, 2 * 3 * 49 * 32, 0, 1), 2, 3, 49, 32);
        Tensor k = Tensor.of(d, TestData.normal(g, 2 * 3 * 50 * 32, 0, 1), 2, 3, 50, 32);
        List<Supplier<Tensor>> ops = List.of(
                () -> x.linear(w, null),
                () -> x.sum(),
                () -> x.var(new int[] {0, 1}, 1, false),
                () -> x.softmax(-1),
                () -> Functional.layerNormBackward(x, x, Functional.layerNorm(x, null, null, 1e-6f).mean(),
                        Functional.layerNorm(x, null, null, 1e-6f).rstd(), w.select(0, 0), true, true).dweight(),
                () -> {
                    Functional.AttentionOutput o = Functional.scaledDotProductAttention(q, k, k, 0.2f);
                    return Functional.attentionBackward(q, q, k, k, o.output(), o.lse(), 0.2f).dk();
                });
        for (int i = 0; i < ops.size(); i++) {
            float[] first = ops.get(i).get().toArray();
            for (int run = 0; run < 2; run++) {
                float[] again = ops.get(i).get().toArray();
                for (int j = 0; j < first.length; j++) {
                    assertEquals(Float.floatToRawIntBits(first[j]), Float.floatToRawIntBits(again[j]),
                            "op " + i + " run " + run + " element " + j);
                }
            }
        }
    }

    @Test
    void synchronizeWaitsForQueuedWork() {
        Device d = GpuTesting.openclDevice();
        Backend be = Backends.of(d);
        Tensor a = Tensor.ones(d, 256, 256);
        Tensor c = a;
        for (int i = 0; i < 4; i++) {
            c = c.matmul(a).mul(1f / 256);
        }
        be.synchronize();
        float[] v = c.toArray();
        assertEquals(1f, v[0]);
        assertEquals(1f, v[v.length - 1]);
    }

    @Test
    void driverErrorsNameTheKernelAndSizes() {
        Device d = GpuTesting.openclDevice();
        OpenClBackend be = GpuTesting.openclBackend();
        Tensor t = Tensor.zeros(d, 10);
        long tooBig = be.runtime().maxWorkGroupSize() * 2;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> be.runtime().launch("elementwise.c",
                "fill", be.variant(), new long[] {tooBig}, new long[] {tooBig}, OpenClBackend.storage(t),
                StridedPlan.of(t.shape(), t).struct(), 1f));
        assertTrue(e.getMessage().contains("fill") && e.getMessage().contains("global [" + tooBig + "]")
                && e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE"), e.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> be.runtime().launch(
                "elementwise.c", "noSuchKernel", be.variant(), new long[] {1}, null));
        assertTrue(missing.getMessage().contains("noSuchKernel"), missing.getMessage());
    }

    @Test
    void mixingDevicesIsAnErrorNamingBoth() {
        Device d = GpuTesting.openclDevice();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.ones(d, 3).add(Tensor.ones(Device.CPU, 3)));
        assertTrue(e.getMessage().contains("opencl:0") && e.getMessage().contains("cpu"), e.getMessage());
    }

    @Test
    void variantsShareBuffersAndCounters() {
        Device d = GpuTesting.openclDevice();
        OpenClBackend natural = GpuTesting.openclBackend();
        OpenClBackend other = natural.withVariant(natural.variant() == Variant.GPU ? Variant.CPU : Variant.GPU);
        assertSame(natural.memory(), other.memory());
        Tensor a = Tensor.of(d, new float[] {1, 2, 3, 4}, 2, 2);
        Tensor out = Tensor.empty(d, 2, 2);
        other.linalg().matmul(out, a, a, null);
        assertArrayEquals(new float[] {7, 10, 15, 22}, out.toArray());
        assertTrue(natural.toString().contains("opencl:0"), natural.toString());
    }
}
