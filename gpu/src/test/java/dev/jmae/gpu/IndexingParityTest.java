package dev.jmae.gpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import dev.jmae.tensor.testing.TestData.Layout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of gather, scatter, scatterAdd, indexSelect and argsort on {@code opencl:0} with the
 * reference. All are exact: they move values (scatterAdd adds in the reference's row-major order,
 * so even duplicates match bit for bit). Invalid indices (out of range, negative, fractional,
 * NaN) must raise the reference's IllegalArgumentException and leave no partial result.
 */
class IndexingParityTest {

    private static float[] indices(Generator g, int n, int bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.floor(g.nextDouble() * bound);
        }
        return v;
    }

    static final int[][] SHAPES = {{7}, {7, 33}, {5, 9, 17}, {2, 3, 4, 5}};

    @TestFactory
    List<DynamicTest> gatherAndScatterMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                int dd = dim;
                String name = Shape.format(shape) + " dim " + dim;
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    Generator g = new Generator(Shape.numel(shape) * 10L + dd);
                    // index: same rank, smaller in every dim, more positions than size along dim (duplicates)
                    int[] is = shape.clone();
                    for (int i = 0; i < is.length; i++) {
                        is[i] = i == dd ? shape[i] + 3 : Math.max(1, shape[i] - 1);
                    }
                    float[] x = TestData.withOutliers(g, Shape.numel(shape));
                    float[] idx = indices(g, Shape.numel(is), shape[dd]);
                    float[] src = TestData.withOutliers(g, Shape.numel(is));
                    // gather reads at most index-sized positions of x along dim
                    int[] gs = is.clone();
                    Tensor[] r = new Tensor[6];
                    int i = 0;
                    for (Device dev : new Device[] {Device.REFERENCE, d}) {
                        Tensor xt = TestData.make(dev, x, shape, Layout.TRANSPOSED);
                        Tensor it = Tensor.of(dev, idx, is);
                        Tensor st = TestData.make(dev, src, is, Layout.NARROWED);
                        r[i++] = xt.gather(dd, it);
                        r[i++] = xt.scatter(dd, it, st);
                        r[i++] = xt.scatterAdd(dd, it, st);
                    }
                    ParityAssert.assertClose(name + " gather " + Shape.format(gs), r[0], r[3], 0, 0);
                    ParityAssert.assertClose(name + " scatter", r[1], r[4], 0, 0);
                    ParityAssert.assertClose(name + " scatterAdd", r[2], r[5], 0, 0);
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> indexSelectMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                int dd = dim;
                String name = "indexSelect " + Shape.format(shape) + " dim " + dim;
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    Generator g = new Generator(dd + 99L);
                    float[] x = TestData.withOutliers(g, Shape.numel(shape));
                    float[] idx = indices(g, 11, shape[dd]);
                    Tensor ref = TestData.make(Device.REFERENCE, x, shape, Layout.PERMUTED).indexSelect(dd,
                            Tensor.of(Device.REFERENCE, idx, 11));
                    Tensor dev = TestData.make(d, x, shape, Layout.PERMUTED).indexSelect(dd, Tensor.of(d, idx, 11));
                    ParityAssert.assertClose(name, ref, dev, 0, 0);
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> argsortIsStableAndMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int cols : new int[] {1, 7, 33, 63, 65, 197, 1024}) {
            for (boolean descending : new boolean[] {false, true}) {
                String name = "argsort [5, " + cols + "]" + (descending ? " descending" : "");
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    Generator g = new Generator(cols);
                    float[] x = new float[5 * cols];
                    for (int i = 0; i < x.length; i++) {
                        // few distinct values (many ties), plus NaN and signed zeros
                        x[i] = (float) Math.floor(g.nextDouble() * 6) - 2;
                        if (i % 17 == 3) {
                            x[i] = Float.NaN;
                        } else if (i % 19 == 4) {
                            x[i] = -0f;
                        }
                    }
                    for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED)) {
                        Tensor ref = TestData.make(Device.REFERENCE, x, new int[] {5, cols}, layout).argsort(-1,
                                descending);
                        Tensor dev = TestData.make(d, x, new int[] {5, cols}, layout).argsort(-1, descending);
                        ParityAssert.assertClose(name + " " + layout, ref, dev, 0, 0);
                        ParityAssert.assertClose(name + " dim 0 " + layout,
                                TestData.make(Device.REFERENCE, x, new int[] {5, cols}, layout).argsort(0, descending),
                                TestData.make(d, x, new int[] {5, cols}, layout).argsort(0, descending), 0, 0);
                    }
                }));
            }
        }
        return tests;
    }

    /**
     * Index errors are deferred on the device (no blocking read per op, see ClIndexing): the op
     * returns, and the next read or synchronize throws the reference's message, naming the op.
     */
    @Test
    void invalidIndicesThrowTheReferenceMessageAtTheNextReadAndNeverWriteOutOfBounds() {
        Device d = GpuTesting.device();
        Tensor x = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor xr = x.to(Device.REFERENCE);
        for (float bad : new float[] {3, -1, 1.5f, Float.NaN, 1e9f}) {
            Tensor idx = Tensor.of(d, new float[] {0, bad, 1, 2}, 2, 2);
            Tensor idxR = idx.to(Device.REFERENCE);
            IllegalArgumentException want = assertThrows(IllegalArgumentException.class, () -> xr.gather(1, idxR));
            Tensor gathered = x.gather(1, idx);
            IllegalArgumentException got = assertThrows(IllegalArgumentException.class, gathered::toArray);
            assertTrue(got.getMessage().startsWith(want.getMessage() + "; reported by " + d), got.getMessage());
            Tensor scattered = x.scatterAdd(1, idx, Tensor.ones(d, 2, 2));
            got = assertThrows(IllegalArgumentException.class, () -> d.backend().synchronize());
            assertTrue(got.getMessage().startsWith(want.getMessage().replace("gather", "scatterAdd")),
                    got.getMessage());
            assertArrayEquals(new float[] {2, 2, 3, 4, 6, 7}, scattered.toArray(),
                    "the valid positions were added, the invalid one skipped");
            Tensor sel = Tensor.of(d, new float[] {2, bad}, 2);
            Tensor selected = x.indexSelect(1, sel);
            assertThrows(IllegalArgumentException.class, selected::toArray);
            assertArrayEquals(new float[] {3, 0, 6, 0}, selected.toArray(),
                    "invalid positions read nothing and hold 0");
        }
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, x.toArray(), "the input is untouched");
        // the check also sees the last position of a long index
        float[] many = new float[100_000];
        many[many.length - 1] = 7;
        Tensor longIdx = Tensor.of(d, many, many.length);
        Tensor out = Tensor.arange(d, 0, 7, 1).indexSelect(0, longIdx);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, out::toArray);
        assertTrue(e.getMessage().contains("position 99999"), e.getMessage());
    }

    @Test
    void manyQueuedChecksAreReadInOneControlReadAndTheFirstFailureIsReported() {
        Device d = GpuTesting.device();
        Tensor x = Tensor.arange(d, 0, 6, 1).reshape(2, 3);
        Tensor good = Tensor.of(d, new float[] {0, 2, 1, 0}, 2, 2);
        d.backend().synchronize();
        dev.jmae.tensor.MemoryStats stats = d.backend().memory();
        stats.resetTransfers();
        Tensor last = null;
        for (int i = 0; i < 10; i++) {
            last = x.gather(1, good);
        }
        assertEquals(0, stats.controlReads(), "no op waited for its check");
        assertArrayEquals(new float[] {0, 2, 4, 3}, last.toArray());
        assertEquals(1, stats.controlReads(), "one read of all ten flags");
        assertEquals(1, stats.deviceToHostCopies());
        // more checks than slots: the host reads the flags when they run out (inside the op that
        // needs a slot) and reports the first failure then
        Tensor bad = Tensor.of(d, new float[] {0, 5, 1, 0}, 2, 2);
        x.gather(1, bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            for (int i = 0; i < ClIndexing.SLOTS + 3; i++) {
                x.gather(1, good);
            }
        });
        assertTrue(e.getMessage().startsWith("gather: index 5.0 is out of range"), e.getMessage());
        d.backend().synchronize();
        assertEquals(2, stats.controlReads(), "one read when the slots ran out; nothing pending after the report");
    }
}
