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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of the {@code cpu} reductions (sum, mean, max, min, var, argmax) with the reference, over
 * the last dim, the first dim, a middle dim, several dims and all dims, with and without keepDim,
 * on contiguous and strided inputs.
 *
 * <p>Tolerance: the reference accumulates in double, the cpu kernels in float32 lanes, so a sum
 * of n terms may differ by about n·eps·max|x| in the worst case; we allow atol = 1e-6·n·max|x|
 * (n the reduced count; eps = 6e-8, so this is 16 eps per term) plus rtol 1e-5. Max, min and
 * argmax are exact.
 */
class ReductionParityTest {

    static final int[][] SHAPES = {{1}, {7}, {197}, {3, 7}, {33, 17}, {2, 16, 3}, {5, 197, 33}, {2, 3, 4, 5},
        {129, 257}};

    private static List<int[]> dimSets(int ndim) {
        List<int[]> sets = new ArrayList<>();
        for (int d = 0; d < ndim; d++) {
            sets.add(new int[] {d});
        }
        if (ndim >= 2) {
            sets.add(new int[] {0, 1});
            sets.add(new int[] {-2, -1});
        }
        if (ndim >= 3) {
            sets.add(new int[] {0, 2});
        }
        int[] all = new int[ndim];
        for (int d = 0; d < ndim; d++) {
            all[d] = d;
        }
        sets.add(all);
        return sets;
    }

    @TestFactory
    List<DynamicTest> reductionsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        String[] names = {"sum", "mean", "max", "min", "var0", "var1"};
        for (int[] shape : SHAPES) {
            for (int[] dims : dimSets(shape.length)) {
                for (Layout layout : shape.length >= 2 ? List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)
                        : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                    for (String op : names) {
                        for (boolean keep : new boolean[] {false, true}) {
                            String name = op + " over " + Arrays.toString(dims) + " of " + Shape.format(shape) + " "
                                    + layout + (keep ? " keepDim" : "");
                            tests.add(dynamicTest(name, () -> {
                                float[] v = TestData.withOutliers(new Generator(shape.length * 97L + dims[0]),
                                        Shape.numel(shape));
                                Function<Tensor, Tensor> f = x -> switch (op) {
                                    case "sum" -> x.sum(dims, keep);
                                    case "mean" -> x.mean(dims, keep);
                                    case "max" -> x.max(dims, keep);
                                    case "min" -> x.min(dims, keep);
                                    case "var0" -> x.var(dims, 0, keep);
                                    default -> x.var(dims, 1, keep);
                                };
                                Tensor ref = f.apply(TestData.make(Device.REFERENCE, v, shape, layout));
                                Tensor cpu = f.apply(TestData.make(Device.CPU, v, shape, layout));
                                long n = 1;
                                for (int d : dims) {
                                    n *= shape[Math.floorMod(d, shape.length)];
                                }
                                double maxAbs = ParityAssert.maxAbs(v);
                                double atol = op.startsWith("var") ? 1e-6 * n * maxAbs * maxAbs : 1e-6 * n * maxAbs;
                                boolean exact = op.equals("max") || op.equals("min");
                                ParityAssert.assertClose(name, ref, cpu, exact ? 0 : 1e-5, exact ? 0 : atol);
                            }));
                        }
                    }
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> argmaxMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (int d = 0; d < shape.length; d++) {
                int dim = d;
                String name = "argmax dim " + d + " of " + Shape.format(shape);
                tests.add(dynamicTest(name, () -> {
                    float[] v = TestData.withOutliers(new Generator(dim + 11L), Shape.numel(shape));
                    for (int i = 0; i < v.length; i += 4) {
                        v[i] = 500f; // ties: the first one wins
                    }
                    ParityAssert.assertClose(name, Tensor.of(Device.REFERENCE, v, shape).argmax(dim, false),
                            Tensor.of(Device.CPU, v, shape).argmax(dim, false), 0, 0);
                }));
            }
        }
        return tests;
    }
}
