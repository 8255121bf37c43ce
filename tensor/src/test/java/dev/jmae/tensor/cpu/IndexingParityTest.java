package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import dev.jmae.tensor.testing.TestData.Layout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of the {@code cpu} indexing and concatenation ops with the reference: cat, stack,
 * indexSelect, gather, scatter, scatterAdd and argsort, along every dim, on strided inputs. These
 * ops move values without arithmetic (scatterAdd adds in the same order on both), so the results
 * must be bit-identical.
 */
class IndexingParityTest {

    static final int[][] SHAPES = {{1}, {7}, {33}, {197}, {3, 7}, {33, 17}, {2, 16, 5}, {4, 197, 3}};

    private static float[] indices(Generator g, int n, int bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = g.nextInt(bound);
        }
        return v;
    }

    @TestFactory
    List<DynamicTest> indexingOpsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                for (Layout layout : shape.length > 1 ? List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)
                        : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                    int d = dim;
                    String suffix = " dim " + d + " of " + Shape.format(shape) + " " + layout;
                    Generator g = new Generator(shape[0] * 31L + d);
                    float[] x = TestData.withOutliers(g, Shape.numel(shape));
                    int size = shape[d];
                    int[] idxShape = shape.clone();
                    idxShape[d] = Math.max(1, size / 2 + 1);
                    float[] gatherIdx = indices(g, Shape.numel(idxShape), size);
                    float[] src = TestData.withOutliers(g, Shape.numel(idxShape));
                    float[] select = indices(g, 5, size);
                    float[] ties = x.clone();
                    for (int i = 0; i < ties.length; i += 3) {
                        ties[i] = 1f;
                    }
                    List<Function<Device, Tensor>> ops = List.of(
                            dev -> Tensor.cat(List.of(TestData.make(dev, x, shape, layout),
                                    TestData.make(dev, x, shape, layout).mul(2f)), d),
                            dev -> Tensor.stack(
                                    List.of(TestData.make(dev, x, shape, layout), TestData.make(dev, x, shape, layout)),
                                    d),
                            dev -> TestData.make(dev, x, shape, layout).indexSelect(d, Tensor.of(dev, select, 5)),
                            dev -> TestData.make(dev, x, shape, layout).gather(d, Tensor.of(dev, gatherIdx, idxShape)),
                            dev -> TestData.make(dev, x, shape, layout).scatter(d, Tensor.of(dev, gatherIdx, idxShape),
                                    Tensor.of(dev, src, idxShape)),
                            dev -> TestData.make(dev, x, shape, layout).scatterAdd(d,
                                    Tensor.of(dev, gatherIdx, idxShape), Tensor.of(dev, src, idxShape)),
                            dev -> TestData.make(dev, ties, shape, layout).argsort(d, false),
                            dev -> TestData.make(dev, ties, shape, layout).argsort(d, true));
                    addBitIdentical(tests, List.of("cat", "stack", "indexSelect", "gather", "scatter", "scatterAdd",
                            "argsort", "argsort descending"), ops, suffix);
                }
            }
        }
        return tests;
    }

    /**
     * Gather, scatter and scatterAdd with index shapes CpuIndexing runs itself (index as large as x
     * after dim, including the masking shape [B, L', D] along dim 1, large enough to be split
     * over the pool) and shapes it hands to the reference (index smaller than x in a later or an
     * earlier dim), with repeated targets, so that scatter's last-write-wins and scatterAdd's order
     * are exercised: bit-identical to the reference.
     */
    @TestFactory
    List<DynamicTest> gatherAndScatterIndexShapesMatchReference() {
        int[][][] cases = {
            // x shape, index shape, {dim}
            {{64, 49, 192}, {64, 12, 192}, {1}},
            {{64, 49, 192}, {64, 49, 192}, {1}},
            {{8, 197, 33}, {8, 60, 33}, {1}},
            {{8, 197, 33}, {3, 60, 33}, {1}},
            {{8, 197, 33}, {8, 60, 7}, {1}},
            {{5, 7, 33}, {5, 7, 12}, {2}},
            {{33, 17}, {12, 17}, {0}},
            {{33, 17}, {12, 5}, {0}},
            {{2, 3, 4, 5}, {2, 2, 4, 5}, {1}},
            {{2, 3, 4, 5}, {1, 3, 2, 5}, {2}},
            {{3, 4, 5, 6}, {2, 3, 2, 6}, {2}},
            {{1}, {7}, {0}},
        };
        List<DynamicTest> tests = new ArrayList<>();
        for (int[][] c : cases) {
            int[] xShape = c[0];
            int[] idxShape = c[1];
            int dim = c[2][0];
            Generator g = new Generator(Shape.numel(idxShape) * 7L + dim);
            float[] x = TestData.withOutliers(g, Shape.numel(xShape));
            float[] idx = indices(g, Shape.numel(idxShape), xShape[dim]);
            float[] src = TestData.withOutliers(g, Shape.numel(idxShape));
            String suffix = " of " + Shape.format(xShape) + " by " + Shape.format(idxShape) + " along " + dim;
            List<Function<Device, Tensor>> ops = List.of(
                    dev -> Tensor.of(dev, x, xShape).gather(dim, Tensor.of(dev, idx, idxShape)),
                    dev -> Tensor.of(dev, x, xShape).scatter(dim, Tensor.of(dev, idx, idxShape),
                            Tensor.of(dev, src, idxShape)),
                    dev -> Tensor.of(dev, x, xShape).scatterAdd(dim, Tensor.of(dev, idx, idxShape),
                            Tensor.of(dev, src, idxShape)));
            addBitIdentical(tests, List.of("gather", "scatter", "scatterAdd"), ops, suffix);
        }
        return tests;
    }

    /** One test per op: the op on {@code cpu} equals the op on {@code reference} bit for bit. */
    private static void addBitIdentical(List<DynamicTest> tests, List<String> names, List<Function<Device, Tensor>> ops,
                                        String suffix) {
        for (int o = 0; o < ops.size(); o++) {
            Function<Device, Tensor> op = ops.get(o);
            String name = names.get(o) + suffix;
            tests.add(dynamicTest(name,
                    () -> ParityAssert.assertClose(name, op.apply(Device.REFERENCE), op.apply(Device.CPU), 0, 0)));
        }
    }

    /** An index out of range, negative or fractional fails with the op, the value and the bound, on both paths. */
    @TestFactory
    List<DynamicTest> badIndicesAreRejected() {
        List<DynamicTest> tests = new ArrayList<>();
        for (float bad : new float[] {49f, -1f, 2.5f}) {
            for (int[] idxShape : new int[][] {{64, 12, 192}, {64, 12, 5}}) {
                float[] idx = new float[Shape.numel(idxShape)];
                idx[idx.length - 1] = bad;
                Tensor x = Tensor.zeros(Device.CPU, 64, 49, 192);
                Tensor index = Tensor.of(Device.CPU, idx, idxShape);
                Tensor src = Tensor.ones(Device.CPU, idxShape);
                String suffix = " index " + bad + " in " + Shape.format(idxShape);
                tests.add(
                        dynamicTest("gather" + suffix, () -> assertRejected("gather", bad, () -> x.gather(1, index))));
                tests.add(dynamicTest("scatter" + suffix,
                        () -> assertRejected("scatter", bad, () -> x.scatter(1, index, src))));
                tests.add(dynamicTest("scatterAdd" + suffix,
                        () -> assertRejected("scatterAdd", bad, () -> x.scatterAdd(1, index, src))));
            }
        }
        return tests;
    }

    private static void assertRejected(String op, float bad, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        String want = op + ": index " + bad + " is out of range for a dimension of size 49";
        assertTrue(e.getMessage().startsWith(want), e.getMessage());
    }
}
