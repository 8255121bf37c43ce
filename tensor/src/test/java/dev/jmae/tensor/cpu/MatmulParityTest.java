package dev.jmae.tensor.cpu;

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
import java.util.function.Function;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of {@code Tensor.matmul} and {@code Tensor.linear} on the {@code cpu} backend with the
 * reference: sizes 1, 7, 33, 197 in every position, transposed and narrowed operands, broadcast
 * batch dims (folded into one GEMM or run batched), 1-d operands and a fused bias. The GEMM kernel
 * itself is tested exhaustively around its tile edges in {@link GemmParityTest}.
 *
 * <p>Tolerance: float32 FMA accumulation over K terms vs double; atol = 2e-6·sqrt(K)·max|a|·max|b|
 * (about 30 eps per random-walk step) plus rtol 1e-5.
 */
class MatmulParityTest {

    static final int[] SIZES = {1, 7, 33, 197};

    private static void check(String name, int[] aShape, int[] bShape, Layout la, Layout lb, long seed) {
        Generator g = new Generator(seed);
        float[] a = TestData.withOutliers(g, Shape.numel(aShape));
        float[] b = TestData.withOutliers(g, Shape.numel(bShape));
        Tensor ref = TestData.make(Device.REFERENCE, a, aShape, la)
                .matmul(TestData.make(Device.REFERENCE, b, bShape, lb));
        Tensor cpu = TestData.make(Device.CPU, a, aShape, la).matmul(TestData.make(Device.CPU, b, bShape, lb));
        int k = aShape[aShape.length - 1];
        double atol = 2e-6 * Math.sqrt(k) * ParityAssert.maxAbs(a) * ParityAssert.maxAbs(b);
        ParityAssert.assertClose(name, ref, cpu, 1e-5, atol);
    }

    @TestFactory
    List<DynamicTest> matrixProductsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int m : SIZES) {
            for (int k : SIZES) {
                for (int n : SIZES) {
                    for (Layout la : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED)) {
                        for (Layout lb : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)) {
                            String name = "[" + m + "," + k + "]x[" + k + "," + n + "] " + la + "/" + lb;
                            tests.add(dynamicTest(name, () -> check(name, new int[] {m, k}, new int[] {k, n}, la, lb,
                                    m * 7919L + k * 31L + n)));
                        }
                    }
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> batchedAndBroadcastProductsMatchReference() {
        int[][][] cases = {
            {{2, 7, 33}, {33, 5}},          // weight broadcast: folds into one [14, 33] GEMM
            {{2, 3, 7, 33}, {33, 197}},
            {{4, 7, 33}, {4, 33, 7}},       // true batch
            {{3, 1, 7, 5}, {1, 2, 5, 6}},   // broadcast on both sides
            {{33}, {33, 7}},                // vector @ matrix
            {{7, 33}, {33}},                // matrix @ vector
            {{2, 7, 33}, {33}},
            {{16, 147, 32}, {16, 32, 50}},  // attention-like
        };
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (int[][] c : cases) {
            for (Layout la : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.PERMUTED)) {
                for (Layout lb : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED)) {
                    long seed = ++i;
                    String name = Shape.format(c[0]) + " x " + Shape.format(c[1]) + " " + la + "/" + lb;
                    tests.add(dynamicTest(name, () -> check(name, c[0], c[1], la, lb, seed)));
                }
            }
        }
        return tests;
    }

    @Test
    void linearWithFusedBiasMatchesReference() {
        Generator g = new Generator(5);
        int[][] xShapes = {{1, 7}, {3, 4, 7}, {197, 33}, {2, 50, 33}};
        for (int[] xs : xShapes) {
            int in = xs[xs.length - 1];
            for (int out : new int[] {1, 5, 33, 48}) {
                float[] x = TestData.withOutliers(g, Shape.numel(xs));
                float[] w = TestData.withOutliers(g, out * in);
                float[] b = TestData.withOutliers(g, out);
                Function<Device, Tensor> run = d -> Tensor.of(d, x, xs).linear(Tensor.of(d, w, out, in),
                        Tensor.of(d, b, out));
                double atol = 2e-6 * Math.sqrt(in) * ParityAssert.maxAbs(x) * ParityAssert.maxAbs(w)
                        + 1e-6 * ParityAssert.maxAbs(b);
                ParityAssert.assertClose("linear " + Shape.format(xs) + " -> " + out, run.apply(Device.REFERENCE),
                        run.apply(Device.CPU), 1e-5, atol);
            }
        }
    }
}
