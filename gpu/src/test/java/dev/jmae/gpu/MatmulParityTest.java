package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
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

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of matmul on {@code opencl:0} with the reference, for both kernel families: the GPU
 * tiles (edge 64) and the CPU micro-tiles (8 x 32, four per work-item along M). Sizes 1, 7, 33,
 * 197 and one off every tile edge (7/9, 31/33, 63/65), transposed, narrowed and permuted
 * operands, broadcast batch dims (folded into M or run batched), a strided bias, K = 0.
 *
 * <p>Tolerance, a rigorous bound rather than a fitted one: a float32 dot product of K terms has
 * error at most K·u·(|A|·|B|)_ij (u = 2^-24), so atol = K·u·max(|A|·|B|) with |A|·|B| computed by
 * the reference; rtol 2.4e-7 covers the bias addition and the reference's final rounding.
 */
class MatmulParityTest {

    private static final double U = Math.scalb(1.0, -24);
    static final int[] MN = {1, 7, 9, 31, 33, 63, 65, 197};
    static final int[] KS = {1, 17, 33, 65, 197};
    static final Layout[] LAYOUTS = Layout.values();

    /** Compares a·b (+ bias) computed by the reference and by the given variant's kernels. */
    static void check(String name, Variant variant, int[] aShape, Layout la, int[] bShape, Layout lb, float[] bias,
                      long seed) {
        Device d = GpuTesting.device();
        Backend be = GpuTesting.backend(variant);
        Generator g = new Generator(seed);
        float[] a = TestData.withOutliers(g, Shape.numel(aShape));
        float[] b = TestData.withOutliers(g, Shape.numel(bShape));
        Tensor ar = TestData.make(Device.REFERENCE, a, aShape, la);
        Tensor br = TestData.make(Device.REFERENCE, b, bShape, lb);
        Tensor biasR = bias == null ? null : Tensor.of(Device.REFERENCE, bias, bias.length);
        // a strided bias: every other element of a longer buffer
        Tensor biasD = null;
        if (bias != null) {
            float[] spread = new float[2 * bias.length];
            for (int i = 0; i < bias.length; i++) {
                spread[2 * i] = bias[i];
            }
            biasD = Tensor.of(d, spread, bias.length, 2).select(1, 0);
        }
        Tensor ref = GpuTesting.matmul(GpuTesting.reference(), ar, br, biasR);
        Tensor dev = GpuTesting.matmul(be, TestData.make(d, a, aShape, la), TestData.make(d, b, bShape, lb), biasD);
        Tensor bound = GpuTesting.matmul(GpuTesting.reference(), ar.abs(), br.abs(), null);
        int k = aShape[aShape.length - 1];
        double atol = Math.max(1, k) * U * ParityAssert.maxAbs(bound.toArray()) + 1e-30;
        ParityAssert.assertClose(name, ref, dev, 2.4e-7, atol);
    }

    @TestFactory
    List<DynamicTest> matrixProductsMatchReferenceAroundTileEdges() {
        List<DynamicTest> tests = new ArrayList<>();
        int c = 0;
        for (Variant variant : GpuTesting.variants()) {
            for (int m : MN) {
                for (int k : KS) {
                    for (int n : MN) {
                        Layout la = LAYOUTS[c % LAYOUTS.length];
                        Layout lb = LAYOUTS[(c / LAYOUTS.length + c) % LAYOUTS.length];
                        boolean withBias = c % 3 == 0;
                        c++;
                        String name = variant + " [" + m + "," + k + "]" + la + " x [" + k + "," + n + "]" + lb
                                + (withBias ? " + bias" : "");
                        long seed = m * 7919L + k * 31L + n;
                        float[] bias = withBias ? TestData.normal(new Generator(seed), n, 0, 1) : null;
                        tests.add(
                                dynamicTest(name, () -> check(name, variant, new int[] {m, k}, la, new int[] {k, n}, lb,
                                        bias, seed)));
                    }
                }
            }
        }
        return tests;
    }

    /** a shape, b shape: batched, broadcast on either side, shared B folded into M, 4-d batches. */
    static final int[][][] BATCHED = {
        {{3, 7, 33}, {33, 9}}, {{7, 33}, {3, 33, 9}}, {{4, 197, 65}, {65, 63}}, {{2, 1, 7, 5}, {1, 3, 5, 9}},
        {{2, 3, 33, 17}, {2, 3, 17, 65}}, {{5, 1, 9}, {5, 9, 1}}, {{64, 3, 32}, {64, 32, 3}}
    };

    @TestFactory
    List<DynamicTest> batchedProductsBroadcastAndMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        int c = 0;
        for (Variant variant : GpuTesting.variants()) {
            for (int[][] s : BATCHED) {
                Layout la = LAYOUTS[c++ % LAYOUTS.length];
                Layout lb = LAYOUTS[(c * 3) % LAYOUTS.length];
                String name = variant + " " + Shape.format(s[0]) + la + " x " + Shape.format(s[1]) + lb;
                int n = s[1][s[1].length - 1];
                float[] bias = c % 2 == 0 ? TestData.normal(new Generator(c), n, 0, 1) : null;
                tests.add(dynamicTest(name,
                        () -> check(name, variant, s[0], la, s[1], lb, bias, 17L * s[0][0] + s[1][0])));
            }
        }
        return tests;
    }

    @Test
    void emptyInnerDimGivesBiasOrZero() {
        Device d = GpuTesting.device();
        for (Variant variant : GpuTesting.variants()) {
            Backend be = GpuTesting.backend(variant);
            Tensor bias = Tensor.of(d, new float[] {1, 2, 3, 4}, 4);
            Tensor out = GpuTesting.matmul(be, Tensor.zeros(d, 3, 0), Tensor.zeros(d, 0, 4), bias);
            ParityAssert.assertClose(variant + " K=0",
                    Tensor.of(Device.REFERENCE, new float[] {1, 2, 3, 4}, 4).expand(3, 4),
                    out, 0, 0);
        }
    }

    @Test
    void publicApiCoversVectorsAndLinear() {
        Device d = GpuTesting.device();
        Generator g = new Generator(3);
        float[] x = TestData.withOutliers(g, 2 * 197 * 33);
        float[] w = TestData.withOutliers(g, 65 * 33);
        float[] b = TestData.normal(g, 65, 0, 1);
        float[] v = TestData.withOutliers(g, 33);
        Tensor[] r = new Tensor[6];
        int i = 0;
        for (Device dev : new Device[] {Device.REFERENCE, d}) {
            Tensor xt = Tensor.of(dev, x, 2, 197, 33);
            r[i++] = xt.linear(Tensor.of(dev, w, 65, 33), Tensor.of(dev, b, 65));
            r[i++] = xt.matmul(Tensor.of(dev, v, 33));
            r[i++] = Tensor.of(dev, v, 33).matmul(Tensor.of(dev, w, 65, 33).transpose(0, 1));
        }
        Tensor xa = Tensor.of(Device.REFERENCE, x, 2, 197, 33).abs();
        Tensor wa = Tensor.of(Device.REFERENCE, w, 65, 33).abs();
        Tensor va = Tensor.of(Device.REFERENCE, v, 33).abs();
        Tensor[] bounds = {xa.linear(wa, null), xa.matmul(va), va.matmul(wa.transpose(0, 1))};
        String[] names = {"linear [2,197,33] x [65,33]^T + bias", "matmul [2,197,33] x [33]", "matmul [33] x [33,65]"};
        for (int p = 0; p < 3; p++) {
            ParityAssert.assertClose(names[p], r[p], r[p + 3], 2.4e-7,
                    33 * U * ParityAssert.maxAbs(bounds[p].toArray()));
        }
    }
}
