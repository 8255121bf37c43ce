package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
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

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of softmax, log-softmax, layer norm, GELU (each forward and backward) and AdamW on
 * {@code opencl:0} with the reference, on inputs with outliers, row lengths around the lane
 * counts (16, 64, 256) and strided inputs, for both kernel families where they differ (lane
 * counts of the row kernels).
 *
 * <p>Tolerances, float32 vs double:
 * <ul>
 *   <li>softmax family: rtol 1e-5, atol 1e-6 (forward) and 1e-6·max|dx| (backward): x - max is
 *       exact to half an ulp of |x - max|, exp adds 3 ulp, the row sum is compensated;</li>
 *   <li>layer norm: rtol 1e-4, atol 1e-4·max(1, max|ref|): the float32 mean of rows holding
 *       100σ outliers leaves an error of a few ulp of the outlier in every centered value;</li>
 *   <li>GELU: forward rtol 2e-6, atol 1e-12 (our erf is within 1 ulp and erfc within 4 ulp,
 *       x/√2 adds 2z²·u relative in the lower tail); backward rtol 1e-5, atol 1e-7·max|dy|
 *       (Φ(x) + xφ(x) cancels for x near -0.75);</li>
 *   <li>AdamW: param rtol 1e-5, atol 1e-7; moments rtol 1e-5 with atol 1e-6·max|g| (m) and
 *       1e-6·max|g|² (v), because β·m + (1-β)·g cancels when the terms have opposite signs.</li>
 * </ul>
 */
class NnKernelsParityTest {

    private static float[] data(long seed, int n) {
        return TestData.withOutliers(new Generator(seed), n);
    }

    static final int[] COLS = {1, 7, 15, 17, 33, 63, 65, 197, 255, 257};

    @TestFactory
    List<DynamicTest> softmaxFamilyMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        int c = 0;
        for (Variant variant : GpuTesting.variants()) {
            for (int cols : COLS) {
                for (boolean log : new boolean[] {false, true}) {
                    Layout layout = Layout.values()[c++ % Layout.values().length];
                    int[] shape = {3, 5, cols};
                    String name = variant + (log ? " logSoftmax " : " softmax ") + Shape.format(shape) + " " + layout;
                    tests.add(dynamicTest(name, () -> {
                        Device d = GpuTesting.device();
                        Backend be = GpuTesting.backend(variant);
                        int n = Shape.numel(shape);
                        float[] x = data(cols * 13L, n);
                        float[] dy = data(cols * 17L, n);
                        Backend ref = GpuTesting.reference();
                        Tensor yr = GpuTesting.softmax(ref, TestData.make(Device.REFERENCE, x, shape, layout), log);
                        Tensor yd = GpuTesting.softmax(be, TestData.make(d, x, shape, layout), log);
                        ParityAssert.assertClose(name + " forward", yr, yd, 1e-5, 1e-6);
                        // backward from the same y, so only the backward kernel is compared
                        Tensor dxr = GpuTesting.softmaxBackward(ref, yr, Tensor.of(Device.REFERENCE, dy, shape), log);
                        Tensor dxd = GpuTesting.softmaxBackward(be, yr.to(d), TestData.make(d, dy, shape, layout), log);
                        double scale = Math.max(1, ParityAssert.maxAbs(dxr.toArray()));
                        ParityAssert.assertClose(name + " backward", dxr, dxd, 1e-5, 1e-6 * scale);
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> softmaxAlongInnerDimsMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int dim : new int[] {0, 1}) {
            String name = "softmax dim " + dim + " [33, 7, 5] (public API)";
            tests.add(dynamicTest(name, () -> {
                Device d = GpuTesting.device();
                float[] x = data(dim + 5L, 33 * 7 * 5);
                float[] dy = data(dim + 6L, 33 * 7 * 5);
                Tensor[] r = new Tensor[4];
                int i = 0;
                for (Device dev : new Device[] {Device.REFERENCE, d}) {
                    Tensor y = Tensor.of(dev, x, 33, 7, 5).softmax(dim);
                    r[i++] = y;
                    r[i++] = Functional.logSoftmaxBackward(Tensor.of(dev, x, 33, 7, 5).logSoftmax(dim),
                            Tensor.of(dev, dy, 33, 7, 5), dim);
                }
                ParityAssert.assertClose(name, r[0], r[2], 1e-5, 1e-6);
                ParityAssert.assertClose(name + " logSoftmaxBackward", r[1], r[3], 1e-5,
                        1e-6 * ParityAssert.maxAbs(r[1].toArray()));
            }));
        }
        return tests;
    }

    /** Runs layer norm forward and backward on one backend the way Functional does. */
    private static Tensor[] layerNorm(Backend be, Tensor x, Tensor w, Tensor b, Tensor dy, boolean grads) {
        int[] shape = x.shape();
        int[] rows = Arrays.copyOf(shape, shape.length - 1);
        int cols = shape[shape.length - 1];
        Device d = x.device();
        Tensor out = Tensor.empty(d, shape);
        Tensor mean = Tensor.empty(d, rows);
        Tensor rstd = Tensor.empty(d, rows);
        Tensor xc = x.contiguous();
        be.rows().layerNormForward(out, mean, rstd, xc, w, b, 1e-6f);
        Tensor dx = Tensor.empty(d, shape);
        Tensor dw = grads ? Tensor.empty(d, cols) : null;
        Tensor db = grads ? Tensor.empty(d, cols) : null;
        be.rows().layerNormBackward(dx, dw, db, mean, rstd, dy.contiguous(), xc, w);
        return new Tensor[] {out, mean, rstd, dx, dw, db};
    }

    @TestFactory
    List<DynamicTest> layerNormMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        int c = 0;
        for (Variant variant : GpuTesting.variants()) {
            for (int cols : new int[] {1, 7, 17, 33, 65, 197, 257, 768}) {
                for (int rows : new int[] {1, 63, 65, 130}) {
                    boolean affine = c++ % 2 == 0;
                    String name = variant + " layerNorm [" + rows + ", " + cols + "]" + (affine ? " affine" : "");
                    tests.add(dynamicTest(name, () -> {
                        Device d = GpuTesting.device();
                        Backend be = GpuTesting.backend(variant);
                        float[] x = data(rows * 7L + cols, rows * cols);
                        float[] dy = data(rows * 11L + cols, rows * cols);
                        float[] w = TestData.normal(new Generator(cols), cols, 1, 0.5);
                        float[] b = TestData.normal(new Generator(cols + 1), cols, 0, 0.5);
                        int[] shape = {rows, cols};
                        Tensor[] r = layerNorm(GpuTesting.reference(),
                                TestData.make(Device.REFERENCE, x, shape, Layout.TRANSPOSED),
                                affine ? Tensor.of(Device.REFERENCE, w, cols) : null,
                                affine ? Tensor.of(Device.REFERENCE, b, cols) : null,
                                Tensor.of(Device.REFERENCE, dy, shape), true);
                        Tensor[] o = layerNorm(be, TestData.make(d, x, shape, Layout.TRANSPOSED),
                                affine ? Tensor.of(d, w, cols) : null, affine ? Tensor.of(d, b, cols) : null,
                                TestData.make(d, dy, shape, Layout.NARROWED), true);
                        String[] parts = {"output", "mean", "rstd", "dx", "dweight", "dbias"};
                        for (int p = 0; p < parts.length; p++) {
                            double scale = Math.max(1, ParityAssert.maxAbs(r[p].toArray()));
                            ParityAssert.assertClose(name + " " + parts[p], r[p], o[p], 1e-4, 1e-4 * scale);
                        }
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> layerNormBackwardWithoutParameterGradients() {
        return List.of(dynamicTest("layerNorm backward, dx only", () -> {
            Device d = GpuTesting.device();
            int[] shape = {9, 65};
            float[] x = data(1, 9 * 65);
            float[] dy = data(2, 9 * 65);
            Tensor[] r = layerNorm(GpuTesting.reference(), Tensor.of(Device.REFERENCE, x, shape), null, null,
                    Tensor.of(Device.REFERENCE, dy, shape), false);
            Tensor[] o = layerNorm(GpuTesting.backend(), Tensor.of(d, x, shape), null, null, Tensor.of(d, dy, shape),
                    false);
            ParityAssert.assertClose("dx", r[3], o[3], 1e-4, 1e-4 * ParityAssert.maxAbs(r[3].toArray()));
        }));
    }

    @TestFactory
    List<DynamicTest> geluMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : new int[][] {{1}, {7}, {17}, {33, 5}, {197, 33}, {32769}}) {
            for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                String name = "gelu " + Shape.format(shape) + " " + layout;
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    int n = Shape.numel(shape);
                    float[] x = data(n, n);
                    if (n > 20000) {
                        // a dense sweep of the interesting range, tails included
                        for (int i = 0; i < 20000; i++) {
                            x[i] = -12f + 24f * i / 20000;
                        }
                    }
                    float[] dy = data(n + 1L, n);
                    Tensor[] r = new Tensor[4];
                    int i = 0;
                    for (Device dev : new Device[] {Device.REFERENCE, d}) {
                        Tensor xt = TestData.make(dev, x, shape, layout);
                        r[i++] = xt.gelu();
                        r[i++] = Functional.geluBackward(TestData.make(dev, dy, shape, layout), xt);
                    }
                    ParityAssert.assertClose(name + " forward", r[0], r[2], 2e-6, 1e-12);
                    ParityAssert.assertClose(name + " backward", r[1], r[3], 1e-5, 1e-7 * ParityAssert.maxAbs(dy));
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> adamwMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : new int[] {1, 7, 17, 197, 32769}) {
            for (int step : new int[] {1, 2, 100}) {
                String name = "adamw n" + n + " step " + step;
                tests.add(dynamicTest(name, () -> {
                    Device d = GpuTesting.device();
                    Generator g = new Generator(n + step);
                    float[] p = TestData.normal(g, n, 0, 1);
                    float[] gr = TestData.withOutliers(g, n);
                    float[] m = TestData.normal(g, n, 0, 0.1);
                    float[] v = TestData.normal(g, n, 0, 0.1);
                    for (int j = 0; j < n; j++) {
                        v[j] = v[j] * v[j];
                    }
                    Tensor[][] r = new Tensor[2][];
                    int i = 0;
                    for (Device dev : new Device[] {Device.REFERENCE, d}) {
                        Tensor pt = Tensor.of(dev, p, n);
                        Tensor mt = Tensor.of(dev, m, n);
                        Tensor vt = Tensor.of(dev, v, n);
                        // the gradient as a strided view exercises the grad offset
                        Tensor gt = Tensor.of(dev, gr, n, 1).expand(n, 2).select(1, 1);
                        Functional.adamwStepInPlace(pt, mt, vt, gt, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.05f, step);
                        r[i++] = new Tensor[] {pt, mt, vt};
                    }
                    double gMax = ParityAssert.maxAbs(gr);
                    ParityAssert.assertClose(name + " param", r[0][0], r[1][0], 1e-5, 1e-7);
                    ParityAssert.assertClose(name + " exp_avg", r[0][1], r[1][1], 1e-5, 1e-6 * gMax);
                    ParityAssert.assertClose(name + " exp_avg_sq", r[0][2], r[1][2], 1e-5, 1e-6 * gMax * gMax);
                }));
            }
        }
        return tests;
    }
}
