package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelLauncher;
import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA kernel families' launches as the driver receives them, on the host-emulated driver
 * ({@link FakeCuda}), which records every launch (kernel name, grid, block, dynamic shared memory and
 * the bytes of the registered parameters) and runs only copy and the index checks: each family's
 * launches reach {@code cuLaunchKernel} with OpenCL's geometry turned into CUDA's (grid = ⌈global /
 * local⌉, block = local), local-memory arguments turned into dynamic shared memory, and the
 * arguments of the kernel's signature in the shared source (pointers to the tensors' storage,
 * offsets, sizes, packed structs). The values are the same ones the OpenCL backend's GPU variant
 * passes (the planning is shared), which the parity suite checks on PoCL.
 */
class CudaFamilyLaunchTest {

    private static final int PTR = 8;
    private static final int INT = 4;
    private static final int STRIDED = 184;

    private FakeCuda fake;
    private CudaBackend backend;

    @BeforeEach
    void open(@TempDir Path cache) {
        fake = FakeCuda.get();
        backend = FakeCudaBackends.open(fake, cache);
        fake.clearLaunches();
    }

    private Tensor tensor(int... shape) {
        return Tensor.wrap(backend.allocate(Shape.numel(shape)), shape, Shape.contiguousStrides(shape), 0);
    }

    private static long address(Tensor t) {
        return CudaBackend.storage(t).pointer();
    }

    private FakeCuda.Launch only(String kernel) {
        List<FakeCuda.Launch> all = fake.launches().stream().filter(l -> l.kernel().equals(kernel)).toList();
        assertEquals(1, all.size(), "launches of " + kernel + " among " + fake.launches().stream()
                .map(FakeCuda.Launch::kernel).toList());
        return all.get(0);
    }

    private static void assertGeometry(FakeCuda.Launch l, int[] grid, int[] block, int shared) {
        assertArrayEquals(grid, l.grid(), l.kernel() + " grid");
        assertArrayEquals(block, l.block(), l.kernel() + " block");
        assertEquals(shared, l.sharedBytes(), l.kernel() + " dynamic shared memory");
    }

    @Test
    void geometryRoundsTheGlobalSizeUpAndSumsLocalsInOrder() {
        CudaLauncher.Geometry g = CudaLauncher.geometry("k", new long[] {1000, 3}, new long[] {256, 1}, 7,
                new KernelLauncher.Local(1024), 2.5f, new KernelLauncher.Local(100));
        assertArrayEquals(new int[] {4, 3, 1}, g.grid());
        assertArrayEquals(new int[] {256, 1, 1}, g.block());
        assertEquals(1124, g.sharedBytes());
        assertArrayEquals(new Object[] {7, 2.5f}, g.args());
        assertNull(CudaLauncher.geometry("k", new long[] {0, 5}, new long[] {64, 1}), "nothing to launch");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaLauncher.geometry("argsort", new long[] {64, 70_000}, new long[] {64, 1}));
        assertTrue(e.getMessage().contains("argsort") && e.getMessage().contains("65535"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaLauncher.geometry("k", new long[] {8}, null));
    }

    @Test
    void launchesOutsideTheKernelsLimitsAreRefused() {
        Tensor x = tensor(4, 512);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend.launcher().launch("rows.c",
                "softmaxForward", new long[] {4 * 512}, new long[] {512}, CudaBackend.storage(x), 0,
                CudaBackend.storage(x), 0, 512, new KernelLauncher.Local(4 * 512)));
        assertTrue(e.getMessage().contains("CudaLaunchLimits") && e.getMessage().contains("512 threads"),
                e.getMessage());
        assertEquals(0, fake.launches().size(), "nothing reached the driver");
    }

    @Test
    void contiguousUnaryOpsLaunchTheirContiguousKernel() {
        fake.recordParams("unaryExpContiguous", PTR, INT, PTR, INT, INT);
        Tensor x = tensor(1000);
        Tensor out = tensor(1000);
        backend.elementwise().unary(UnaryOp.EXP, out, x);
        FakeCuda.Launch l = only("unaryExpContiguous");
        assertGeometry(l, new int[] {1, 1, 1}, new int[] {256, 1, 1}, 0); // 250 items of 4 elements
        assertEquals(address(out), l.pointerParam(0));
        assertEquals(address(x), l.pointerParam(2));
        assertEquals(1000, l.intParam(4));
    }

    @Test
    void broadcastBinaryOpsPassAStridedPlan() {
        fake.recordParams("binaryAdd", PTR, PTR, PTR, STRIDED);
        Tensor a = tensor(33, 197);
        Tensor bias = tensor(197);
        Tensor out = tensor(33, 197);
        backend.elementwise().binary(BinaryOp.ADD, out, a, bias.expand(33, 197));
        FakeCuda.Launch l = only("binaryAdd");
        int[] s = l.intsParam(3);
        assertEquals(2, s[0], "rank");
        assertEquals(33 * 197, s[1], "numel");
        assertEquals(33, s[2]);
        assertEquals(197, s[3]);
        assertEquals(0, s[2 + 8 + 2 * 8], "the bias's row stride is 0");
        // 33 rows of ceil(197 / 4) = 50 items, in blocks of 256
        assertGeometry(l, new int[] {(33 * 50 + 255) / 256, 1, 1}, new int[] {256, 1, 1}, 0);
    }

    @Test
    void stridedReadsGatherOnTheDeviceWithTheCopyKernel() {
        float[] m = new float[12];
        for (int i = 0; i < 12; i++) {
            m[i] = i;
        }
        Tensor t = tensor(3, 4);
        backend.write(t, m, 0);
        float[] got = new float[12];
        backend.read(got, 0, t.transpose(0, 1));
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, got);
        FakeCuda.Launch l = only("copy");
        assertEquals(1, l.grid()[0]);
    }

    @Test
    void longRowsReduceWithABlockPerOutputAndSharedLanes() {
        fake.recordParams("reduceSum", PTR, PTR, PTR, STRIDED, STRIDED, INT, INT, INT);
        Tensor x = tensor(4, 1000);
        Tensor out = tensor(4, 1);
        backend.reductions().reduce(ReduceOp.MEAN, out, x, new int[] {1});
        FakeCuda.Launch l = only("reduceSum");
        assertGeometry(l, new int[] {4, 1, 1}, new int[] {256, 1, 1}, 4 * 256);
        assertEquals(address(out), l.pointerParam(0));
        assertEquals(1000, l.intParam(5), "chunk length");
        assertEquals(1, l.intParam(6), "chunks");
        assertEquals(1000f, Float.intBitsToFloat(l.intParam(7)), "the mean's divisor");
    }

    @Test
    void argmaxOfLongRowsGetsTwoLaneArraysOfSharedMemory() {
        Tensor x = tensor(3, 5000);
        backend.reductions().argmax(tensor(3, 1), x, 1);
        assertGeometry(only("argmax"), new int[] {3, 1, 1}, new int[] {256, 1, 1}, 2 * 4 * 256);
    }

    @Test
    void withoutCublasLtMatmulRunsTheSimtKernelIn64By64Tiles() {
        fake.recordParams("matmul", PTR, PTR, PTR, PTR, STRIDED, INT, INT, INT, 16, INT, INT, INT, INT);
        Tensor a = tensor(70, 50);
        Tensor b = tensor(130, 50);
        Tensor out = tensor(70, 130);
        backend.linalg().matmul(out, a, b.transpose(0, 1), null);
        FakeCuda.Launch l = only("matmul");
        assertGeometry(l, new int[] {3, 2, 1}, new int[] {16, 16, 1}, 0);
        assertEquals(70, l.intParam(5));
        assertEquals(130, l.intParam(6));
        assertEquals(50, l.intParam(7));
        assertArrayEquals(new int[] {50, 1, 1, 50}, l.intsParam(8), "a row-major, b transposed");
        assertEquals(0, l.intParam(10), "no bias");
        assertEquals(1, backend.linalg().simtProducts());
        assertEquals(0, backend.linalg().cublasLtProducts());
    }

    @Test
    void rowKernelsGetOneBlockPerRow() {
        Tensor x = tensor(10, 300);
        backend.rows().softmaxForward(tensor(10, 300), x);
        assertGeometry(only("softmaxForward"), new int[] {10, 1, 1}, new int[] {256, 1, 1}, 4 * 256);
        fake.clearLaunches();
        Tensor y = tensor(5, 40);
        backend.rows().logSoftmaxForward(tensor(5, 40), y);
        assertGeometry(only("logSoftmaxForward"), new int[] {5, 1, 1}, new int[] {64, 1, 1}, 4 * 64);
    }

    @Test
    void attentionAtHighestRunsTheSimtKernels() {
        int b = 2;
        int h = 3;
        int m = 70;
        int n = 20;
        int dh = 32;
        Tensor q = tensor(b, h, m, dh);
        Tensor k = tensor(b, h, n, dh);
        Tensor v = tensor(b, h, n, dh);
        backend.attention().attentionForward(tensor(b, h, m, dh), tensor(b, h, m), q, k, v, 0.125f);
        // 64 query rows per block, 32 staged keys, rows of pitch 33: (2·64 + 2·32)·33 floats
        assertGeometry(only("attentionForward"), new int[] {2, 6, 1}, new int[] {64, 1, 1}, 4 * (2 * 64 + 2 * 32) * 33);
        assertEquals(0, backend.attention().flashCalls());
    }

    @Test
    void attentionAtHighRunsTheFlashKernelsForHeadDimsUpTo64() {
        fake.recordParams("flashAttentionForward32", PTR, PTR, PTR, PTR, PTR, 16, 16, 16, 16, 16, 16, INT);
        backend.setMatmulPrecision(MatmulPrecision.HIGH);
        int b = 2;
        int h = 3;
        int m = 147;
        int n = 50;
        Tensor q = tensor(b, h, m, 32);
        Tensor lse = tensor(b, h, m);
        backend.attention().attentionForward(tensor(b, h, m, 32), lse, q, tensor(b, h, n, 32), tensor(b, h, n, 32),
                0.125f);
        FakeCuda.Launch f = only("flashAttentionForward32");
        assertGeometry(f, new int[] {3, 6, 1}, new int[] {128, 1, 1}, 0);
        assertArrayEquals(new int[] {h, m, n, 32}, f.intsParam(9));
        assertEquals(address(q), f.pointerParam(2));
        fake.clearLaunches();
        Tensor q48 = tensor(b, h, m, 48);
        Tensor k48 = tensor(b, h, n, 48);
        Tensor v48 = tensor(b, h, n, 48);
        Tensor o48 = tensor(b, h, m, 48);
        backend.attention().attentionBackward(tensor(b, h, m, 48), tensor(b, h, n, 48), tensor(b, h, n, 48), o48, lse,
                tensor(b, h, m, 48), q48, k48, v48, 0.125f);
        assertGeometry(only("attentionBackwardDelta"), new int[] {3, 6, 1}, new int[] {64, 1, 1}, 0);
        assertGeometry(only("flashAttentionBackwardDq64"), new int[] {3, 6, 1}, new int[] {128, 1, 1}, 0);
        assertGeometry(only("flashAttentionBackwardDkDv64"), new int[] {1, 6, 1}, new int[] {128, 1, 1}, 0);
        assertEquals(2, backend.attention().flashCalls());
        fake.clearLaunches();
        Tensor q80 = tensor(1, 1, 8, 80);
        backend.attention().attentionForward(tensor(1, 1, 8, 80), tensor(1, 1, 8), q80, tensor(1, 1, 8, 80),
                tensor(1, 1, 8, 80), 0.1f);
        only("attentionForward");
    }

    @Test
    void anInvalidIndexIsReportedAtTheNextReadAsOneControlRead() {
        Tensor x = tensor(4, 5);
        Tensor index = tensor(4, 2);
        backend.write(index, new float[] {0, 1, 2, 3, 4, 0, 1, 7}, 0);
        Tensor out = tensor(4, 2);
        backend.indexing().gather(out, x, index, 1);
        assertEquals(0, backend.memory().controlReads(), "queued, not checked");
        only("indexCheck");
        only("gather");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.read(new float[8], 0, out));
        assertTrue(
                e.getMessage().contains("gather") && e.getMessage().contains("7") && e.getMessage().contains("cuda:0")
                        && e.getMessage().contains("position 7"),
                e.getMessage());
        assertEquals(1, backend.memory().controlReads());
        backend.synchronize();
        assertEquals(1, backend.memory().controlReads(), "nothing pending after the report");
        backend.indexing().gather(out, x, index, 0); // dim 0 has size 4: the first invalid index is 4, at position 4
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, backend::synchronize);
        assertTrue(s.getMessage().contains("position 4"), s.getMessage());
        assertEquals(2, backend.memory().controlReads());
    }

    @Test
    void adamwIsOneElementwiseLaunchWithTheHostsBiasCorrections() {
        fake.recordParams("adamwStep", PTR, PTR, PTR, PTR, 16, INT, 32);
        Tensor p = tensor(1000);
        backend.optim().adamwStep(p, tensor(1000), tensor(1000), tensor(1000), 1e-3f, 0.9f, 0.95f, 1e-8f, 0.05f, 3);
        FakeCuda.Launch l = only("adamwStep");
        assertGeometry(l, new int[] {4, 1, 1}, new int[] {256, 1, 1}, 0);
        assertEquals(1000, l.intParam(5));
        float[] h = new float[8];
        int[] bits = l.intsParam(6);
        for (int i = 0; i < 8; i++) {
            h[i] = Float.intBitsToFloat(bits[i]);
        }
        assertEquals((float) (1 - 1e-3 * 0.05), h[0], 1e-9f, "decay");
        assertEquals((float) (1e-3 / (1 - Math.pow(0.9, 3))), h[5], 1e-9f, "step size");
        assertEquals((float) Math.sqrt(1 - Math.pow(0.95, 3)), h[6], 1e-7f);
    }
}
