package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.ReduceOp;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import dev.jmae.tensor.testing.TestData.Layout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of sum, mean, max, min, var and argmax over every subset of dims of strided inputs on
 * {@code opencl:0} with the reference, for both kernel families (the GPU-style launch shapes run
 * on the same device through {@link OpenClBackend#withVariant}).
 *
 * <p>Tolerances: max, min and argmax are exact (no arithmetic). Sums are float32 with Kahan
 * compensation per lane plus a pairwise tree, so the error is a few ulp of sum|x|: atol
 * 1e-6·max sum|x| over the slices, rtol 1e-6 (mean: the same divided by n). Variance is two
 * passes in float32: rtol 1e-5, atol 1e-6·max var.
 */
class ReductionParityTest {

    static final int[][] SHAPES = {{1}, {197}, {7, 33}, {33, 197}, {5, 7, 33}, {2, 3, 4, 5}, {65, 1, 17}};

    private static List<int[]> dimSubsets(int nd) {
        List<int[]> out = new ArrayList<>();
        for (int mask = 1; mask < (1 << nd); mask++) {
            int[] dims = new int[Integer.bitCount(mask)];
            for (int d = 0, i = 0; d < nd; d++) {
                if ((mask & (1 << d)) != 0) {
                    dims[i++] = d;
                }
            }
            out.add(dims);
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> reductionsOverEveryDimSubsetMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        int c = 0;
        for (int[] shape : SHAPES) {
            for (int[] dims : dimSubsets(shape.length)) {
                Layout layout = Layout.values()[c++ % Layout.values().length];
                Variant variant = GpuTesting.variants()[c % GpuTesting.variants().length];
                String name = Shape.format(shape) + " dims " + Arrays.toString(dims) + " " + layout + " " + variant;
                tests.add(dynamicTest(name, () -> check(name, shape, dims, layout, variant)));
            }
        }
        return tests;
    }

    private static void check(String name, int[] shape, int[] dims, Layout layout, Variant variant) {
        Device d = GpuTesting.device();
        Backend be = GpuTesting.backend(variant);
        int n = Shape.numel(shape);
        long count = 1;
        for (int dim : dims) {
            count *= shape[dim];
        }
        float[] x = TestData.withOutliers(new Generator(n * 31L + dims.length), n);
        Tensor xr = TestData.make(Device.REFERENCE, x, shape, layout);
        Tensor xd = TestData.make(d, x, shape, layout);
        double absSum = ParityAssert.maxAbs(xr.abs().sum(dims, true).toArray());
        for (ReduceOp op : ReduceOp.values()) {
            Tensor ref = GpuTesting.reduce(GpuTesting.reference(), op, xr, dims);
            Tensor dev = GpuTesting.reduce(be, op, xd, dims);
            double atol = switch (op) {
                case SUM -> 1e-6 * absSum;
                case MEAN -> 1e-6 * absSum / count;
                case MAX, MIN -> 0;
            };
            ParityAssert.assertClose(name + " " + op, ref, dev, op == ReduceOp.SUM || op == ReduceOp.MEAN ? 1e-6 : 0,
                    atol);
        }
        for (double correction : new double[] {0, 1}) {
            Tensor ref = GpuTesting.var(GpuTesting.reference(), xr, dims, correction);
            Tensor dev = GpuTesting.var(be, xd, dims, correction);
            double scale = ParityAssert.maxAbs(ref.toArray());
            ParityAssert.assertClose(name + " var(" + correction + ")", ref, dev, 1e-5, 1e-6 * scale + 1e-30);
        }
        for (int dim : dims) {
            ParityAssert.assertClose(name + " argmax " + dim, GpuTesting.argmax(GpuTesting.reference(), xr, dim),
                    GpuTesting.argmax(be, xd, dim), 0, 0);
        }
    }

    /** Long slices take the chunked two-pass path (partials, then reduceFinish) and the work-group paths. */
    @TestFactory
    List<DynamicTest> longSlicesMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Variant variant : GpuTesting.variants()) {
            for (int[] shape : new int[][] {{1 << 20}, {3, 65537}, {65537, 3}, {2, 255, 257}}) {
                String name = Shape.format(shape) + " " + variant;
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    Backend be = GpuTesting.backend(variant);
                    int n = Shape.numel(shape);
                    float[] x = TestData.withOutliers(new Generator(n), n);
                    Tensor xr = Tensor.of(Device.REFERENCE, x, shape);
                    Tensor xd = Tensor.of(d, x, shape);
                    int last = shape.length - 1;
                    for (int[] dims : new int[][] {{last}, allDims(shape.length)}) {
                        double absSum = ParityAssert.maxAbs(xr.abs().sum(dims, true).toArray());
                        ParityAssert.assertClose(name + " sum " + Arrays.toString(dims),
                                GpuTesting.reduce(GpuTesting.reference(), ReduceOp.SUM, xr, dims),
                                GpuTesting.reduce(be, ReduceOp.SUM, xd, dims), 1e-6, 1e-6 * absSum);
                        ParityAssert.assertClose(name + " max " + Arrays.toString(dims),
                                GpuTesting.reduce(GpuTesting.reference(), ReduceOp.MAX, xr, dims),
                                GpuTesting.reduce(be, ReduceOp.MAX, xd, dims), 0, 0);
                        Tensor vr = GpuTesting.var(GpuTesting.reference(), xr, dims, 1);
                        ParityAssert.assertClose(name + " var " + Arrays.toString(dims), vr,
                                GpuTesting.var(be, xd, dims, 1), 1e-5, 1e-6 * ParityAssert.maxAbs(vr.toArray()));
                    }
                    ParityAssert.assertClose(name + " argmax", GpuTesting.argmax(GpuTesting.reference(), xr, last),
                            GpuTesting.argmax(be, xd, last), 0, 0);
                }));
            }
        }
        return tests;
    }

    @Test
    void nanPropagatesAndArgmaxTakesTheFirstNanOrMaximum() {
        Device d = GpuTesting.device();
        for (Variant variant : GpuTesting.variants()) {
            Backend be = GpuTesting.backend(variant);
            float[] x = {1, 5, 5, 2, Float.NaN, 3, Float.NaN, 0, -0f, 0f, -0f, -1};
            Tensor t = Tensor.of(d, x, 3, 4);
            float[] max = GpuTesting.reduce(be, ReduceOp.MAX, t, new int[] {1}).toArray();
            assertEquals(5f, max[0]);
            assertEquals(Float.NaN, max[1]);
            assertEquals(0f, max[2]);
            assertEquals(0, Float.compare(0f, max[2]), "max(-0, 0) is +0 like Math.max");
            assertArrayEquals(new float[] {1, 0, 0}, GpuTesting.argmax(be, t, 1).toArray(),
                    variant + ": -0 and 0 tie, the first wins");
            Tensor big = Tensor.full(d, 1f, 1, 5000);
            big.narrow(1, 4000, 1).fillInPlace(Float.NaN);
            big.narrow(1, 4500, 1).fillInPlace(Float.NaN);
            assertArrayEquals(new float[] {4000}, GpuTesting.argmax(be, big, 1).toArray(), variant + " long row");
            assertEquals(Float.NaN, GpuTesting.reduce(be, ReduceOp.MIN, big, new int[] {0, 1}).toArray()[0]);
        }
    }

    /** Ten non-mergeable dims: the reduction falls back to a permuted contiguous copy. */
    @Test
    void moreThanEightNonMergeableDimsMatchReference() {
        Device d = GpuTesting.device();
        int[] shape = {2, 3, 2, 2, 3, 2, 2, 2, 3, 2};
        int n = Shape.numel(shape);
        float[] x = TestData.withOutliers(new Generator(9), n);
        for (Variant variant : GpuTesting.variants()) {
            Backend be = GpuTesting.backend(variant);
            Tensor xr = TestData.make(Device.REFERENCE, x, shape, Layout.PERMUTED);
            Tensor xd = TestData.make(d, x, shape, Layout.PERMUTED);
            for (int[] dims : new int[][] {{0, 2, 4, 6, 8}, {1, 3, 5, 7, 9}, {9}}) {
                double absSum = ParityAssert.maxAbs(xr.abs().sum(dims, true).toArray());
                ParityAssert.assertClose(variant + " sum " + Arrays.toString(dims),
                        GpuTesting.reduce(GpuTesting.reference(), ReduceOp.SUM, xr, dims),
                        GpuTesting.reduce(be, ReduceOp.SUM, xd, dims), 1e-6, 1e-6 * absSum);
                ParityAssert.assertClose(variant + " min " + Arrays.toString(dims),
                        GpuTesting.reduce(GpuTesting.reference(), ReduceOp.MIN, xr, dims),
                        GpuTesting.reduce(be, ReduceOp.MIN, xd, dims), 0, 0);
            }
            ParityAssert.assertClose(variant + " argmax 4", GpuTesting.argmax(GpuTesting.reference(), xr, 4),
                    GpuTesting.argmax(be, xd, 4), 0, 0);
        }
    }

    @Test
    void emptySlicesGiveTheReferenceValues() {
        Device d = GpuTesting.device();
        Tensor x = Tensor.zeros(d, 3, 0);
        assertArrayEquals(new float[] {0, 0, 0}, x.sum(1, false).toArray());
        assertArrayEquals(Tensor.zeros(Device.REFERENCE, 3, 0).mean(1, false).toArray(), x.mean(1, false).toArray());
        assertEquals(0, x.sum(0, false).numel());
    }

    private static int[] allDims(int nd) {
        int[] d = new int[nd];
        for (int i = 0; i < nd; i++) {
            d[i] = i;
        }
        return d;
    }
}
