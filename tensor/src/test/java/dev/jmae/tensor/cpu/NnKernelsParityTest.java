package dev.jmae.tensor.cpu;

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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of the {@code cpu} neural-network kernels (softmax, log-softmax, layer norm, GELU,
 * attention, each forward and backward, and AdamW) with the reference, on seeded inputs with
 * outliers, awkward sizes and strided operands.
 *
 * <p>Tolerances, all float32 vs double: softmax family rtol 1e-5 / atol 1e-6 (exp intrinsics plus
 * one row sum); layer norm rtol 1e-4 / atol 1e-4 relative to the output scale (the statistics are
 * float32 sums over D, and outliers of 100σ make xhat sensitive to the mean); GELU forward and
 * backward rtol 1e-5 / atol 1e-6 (erf within 1.5 ulp); attention atol 1e-4 of the output scale
 * (float32 dot products over Dh and weighted sums over N); AdamW rtol 1e-5.
 */
class NnKernelsParityTest {

    static final int[] SIZES = {1, 7, 15, 16, 17, 33, 197};

    private static float[] data(long seed, int n) {
        return TestData.withOutliers(new Generator(seed), n);
    }

    @TestFactory
    List<DynamicTest> softmaxFamilyMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int cols : SIZES) {
            for (int[] shape : new int[][] {{3, cols}, {2, cols, 5}, {cols, 33}}) {
                for (int dim : new int[] {-1, 0, 1}) {
                    for (boolean log : new boolean[] {false, true}) {
                        for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)) {
                            String name = (log ? "logSoftmax" : "softmax") + " dim " + dim + " " + Shape.format(shape)
                                    + " " + layout;
                            tests.add(dynamicTest(name, () -> {
                                int n = Shape.numel(shape);
                                float[] x = data(cols * 13L + dim, n);
                                float[] dy = data(cols * 17L + dim, n);
                                Tensor[] outs = new Tensor[4];
                                int i = 0;
                                for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
                                    Tensor xt = TestData.make(d, x, shape, layout);
                                    Tensor y = log ? xt.logSoftmax(dim) : xt.softmax(dim);
                                    Tensor g = TestData.make(d, dy, shape, layout);
                                    outs[i++] = y;
                                    outs[i++] = log ? Functional.logSoftmaxBackward(y, g, dim)
                                            : Functional.softmaxBackward(y, g, dim);
                                }
                                ParityAssert.assertClose(name + " forward", outs[0], outs[2], 1e-5, 1e-6);
                                double scale = ParityAssert.maxAbs(outs[1].toArray());
                                ParityAssert.assertClose(name + " backward", outs[1], outs[3], 1e-5,
                                        1e-6 * Math.max(1, scale));
                            }));
                        }
                    }
                }
            }
        }
        return tests;
    }

    /**
     * The two softmax paths past what the size grid reaches: short rows over several blocks of
     * {@code CpuRows.SOFTMAX_BLOCK} floats and several parallel tasks (shorter than a vector, whole
     * vectors, and whole vectors plus a part read as an overlapping vector), and long rows (≥ 256)
     * one, two and many at a time. The outliers put the maximum far from 0, so a log-softmax computed as
     * x - (max + log(sum)) instead of (x - max) - log(sum) fails here (it lost ulp(max) near 0).
     */
    @TestFactory
    List<DynamicTest> softmaxBlocksAndLongRowsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : new int[][] {{1200, 7}, {700, 50}, {5000, 17}, {300, 16}, {90, 48}, {70, 31}, {12, 255},
            {1, 256}, {2, 257}, {33, 300}, {40, 1031}, {1, 4099}}) {
            for (boolean log : new boolean[] {false, true}) {
                for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                    String name = (log ? "logSoftmax " : "softmax ") + Shape.format(shape) + " " + layout;
                    tests.add(dynamicTest(name, () -> {
                        float[] x = data(shape[0] * 31L + shape[1], shape[0] * shape[1]);
                        Tensor ref = TestData.make(Device.REFERENCE, x, shape, layout);
                        Tensor cpu = TestData.make(Device.CPU, x, shape, layout);
                        ParityAssert.assertClose(name, log ? ref.logSoftmax(-1) : ref.softmax(-1),
                                log ? cpu.logSoftmax(-1) : cpu.softmax(-1), 1e-5, 1e-6);
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * Rows holding NaN, +inf or only -inf give what the reference gives (NaN rows), and a row whose
     * other entries are -inf gives exactly 1 at its maximum, on the short-row path (shorter than a
     * vector, and with an overlapping last vector) and the long-row path.
     */
    @TestFactory
    List<DynamicTest> softmaxSpecialValuesMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int cols : new int[] {7, 50, 300}) {
            for (boolean log : new boolean[] {false, true}) {
                String name = (log ? "logSoftmax" : "softmax") + " special values, " + cols + " columns";
                tests.add(dynamicTest(name, () -> {
                    float[] x = data(cols * 7L, 5 * cols);
                    x[cols - 1] = Float.NaN;
                    x[cols + cols / 2] = Float.POSITIVE_INFINITY;
                    for (int i = 2 * cols; i < 3 * cols; i++) {
                        x[i] = Float.NEGATIVE_INFINITY;
                    }
                    for (int i = 3 * cols; i < 4 * cols; i++) {
                        x[i] = i == 3 * cols + cols / 3 ? 5f : Float.NEGATIVE_INFINITY;
                    }
                    int[] shape = {5, cols};
                    Tensor ref = TestData.make(Device.REFERENCE, x, shape, Layout.CONTIGUOUS);
                    Tensor cpu = TestData.make(Device.CPU, x, shape, Layout.CONTIGUOUS);
                    Tensor expected = log ? ref.logSoftmax(-1) : ref.softmax(-1);
                    Tensor actual = log ? cpu.logSoftmax(-1) : cpu.softmax(-1);
                    ParityAssert.assertClose(name, expected, actual, 1e-5, 1e-6);
                    float[] y = actual.toArray();
                    assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[cols]) && Float.isNaN(y[2 * cols]),
                            name + ": rows with NaN, +inf or only -inf must be NaN, got " + y[0] + ", " + y[cols] + ", "
                                    + y[2 * cols]);
                    assertEquals(log ? 0f : 1f, y[3 * cols + cols / 3], name + ": the only finite entry of a row");
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> layerNormMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int cols : new int[] {1, 7, 16, 17, 33, 197, 768}) {
            for (int rows : new int[] {1, 31, 32, 33, 100}) {
                for (boolean affine : new boolean[] {true, false}) {
                    String name = "layerNorm [" + rows + ", " + cols + "]" + (affine ? " affine" : "");
                    tests.add(dynamicTest(name, () -> {
                        float[] x = data(rows * 7L + cols, rows * cols);
                        float[] dy = data(rows * 11L + cols, rows * cols);
                        float[] w = TestData.normal(new Generator(cols), cols, 1, 0.5);
                        float[] b = TestData.normal(new Generator(cols + 1), cols, 0, 0.5);
                        Tensor[][] r = new Tensor[2][];
                        int i = 0;
                        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
                            Tensor xt = TestData.make(d, x, new int[] {rows, cols}, Layout.TRANSPOSED);
                            Tensor wt = affine ? Tensor.of(d, w, cols) : null;
                            Tensor bt = affine ? Tensor.of(d, b, cols) : null;
                            Functional.LayerNormOutput f = Functional.layerNorm(xt, wt, bt, 1e-6f);
                            Functional.LayerNormGrads gr = Functional.layerNormBackward(Tensor.of(d, dy, rows, cols),
                                    xt,
                                    f.mean(), f.rstd(), wt, affine, affine);
                            r[i++] = new Tensor[] {f.output(), f.mean(), f.rstd(), gr.dx(), gr.dweight(), gr.dbias()};
                        }
                        String[] parts = {"output", "mean", "rstd", "dx", "dweight", "dbias"};
                        for (int p = 0; p < parts.length; p++) {
                            if (r[0][p] == null) {
                                continue;
                            }
                            double scale = Math.max(1, ParityAssert.maxAbs(r[0][p].toArray()));
                            ParityAssert.assertClose(name + " " + parts[p], r[0][p], r[1][p], 1e-4, 1e-4 * scale);
                        }
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> geluMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : new int[][] {{1}, {7}, {17}, {33, 5}, {197, 33}, {32769}}) {
            for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                String name = "gelu " + Shape.format(shape) + " " + layout;
                tests.add(dynamicTest(name, () -> {
                    int n = Shape.numel(shape);
                    float[] x = data(n, n);
                    float[] dy = data(n + 1L, n);
                    Tensor[] r = new Tensor[4];
                    int i = 0;
                    for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
                        Tensor xt = TestData.make(d, x, shape, layout);
                        r[i++] = xt.gelu();
                        r[i++] = Functional.geluBackward(TestData.make(d, dy, shape, layout), xt);
                    }
                    ParityAssert.assertClose(name + " forward", r[0], r[2], 1e-5, 1e-6);
                    ParityAssert.assertClose(name + " backward", r[1], r[3], 1e-5, 1e-6 * ParityAssert.maxAbs(dy));
                }));
            }
        }
        return tests;
    }

    /** B, H, M, N, Dh. */
    static final int[][] ATTENTION = {
        {1, 1, 1, 1, 1}, {2, 3, 7, 5, 7}, {1, 2, 33, 17, 16}, {2, 2, 17, 33, 33}, {1, 1, 197, 50, 32},
        {3, 4, 49, 50, 32}, {1, 16, 147, 50, 32}, {2, 1, 5, 197, 64}
    };

    @TestFactory
    List<DynamicTest> attentionMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] c : ATTENTION) {
            for (boolean packed : new boolean[] {false, true}) {
                String name = "attention B" + c[0] + " H" + c[1] + " M" + c[2] + " N" + c[3] + " Dh" + c[4]
                        + (packed ? " strided views" : "");
                tests.add(dynamicTest(name, () -> checkAttention(name, c, packed)));
            }
        }
        return tests;
    }

    private static void checkAttention(String name, int[] c, boolean packed) {
        int b = c[0];
        int h = c[1];
        int m = c[2];
        int n = c[3];
        int dh = c[4];
        Generator g = new Generator(b * 1000L + m * 10L + n);
        float[] q = TestData.normal(g, b * h * m * dh, 0, 1);
        float[] k = TestData.normal(g, b * h * n * dh, 0, 1);
        float[] v = TestData.withOutliers(g, b * h * n * dh);
        float[] dout = TestData.normal(g, b * h * m * dh, 0, 1);
        float scale = (float) (1 / Math.sqrt(dh));
        Tensor[][] r = new Tensor[2][];
        int i = 0;
        for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
            Tensor qt = heads(d, q, b, h, m, dh, packed);
            Tensor kt = heads(d, k, b, h, n, dh, packed);
            Tensor vt = heads(d, v, b, h, n, dh, packed);
            Functional.AttentionOutput f = Functional.scaledDotProductAttention(qt, kt, vt, scale);
            Functional.AttentionGrads gr = Functional.attentionBackward(heads(d, dout, b, h, m, dh, packed), qt, kt, vt,
                    f.output(), f.lse(), scale);
            r[i++] = new Tensor[] {f.output(), f.lse(), gr.dq(), gr.dk(), gr.dv()};
        }
        String[] parts = {"output", "lse", "dq", "dk", "dv"};
        for (int p = 0; p < parts.length; p++) {
            double s = Math.max(1, ParityAssert.maxAbs(r[0][p].toArray()));
            ParityAssert.assertClose(name + " " + parts[p], r[0][p], r[1][p], 1e-4, 1e-4 * s);
        }
    }

    /** [B, H, T, Dh] holding values (row-major in that order), either contiguous or as a view of a [B, T, H, Dh] buffer. */
    private static Tensor heads(Device d, float[] values, int b, int h, int t, int dh, boolean packed) {
        Tensor x = Tensor.of(d, values, b, h, t, dh);
        if (!packed) {
            return x;
        }
        // store as [B, T, H, Dh] (like a qkv projection's output) and view back as [B, H, T, Dh]
        return x.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3);
    }

    @TestFactory
    List<DynamicTest> adamwMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : new int[] {1, 7, 17, 197, 32769}) {
            for (int step : new int[] {1, 2, 100}) {
                String name = "adamw n" + n + " step " + step;
                tests.add(dynamicTest(name, () -> {
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
                    for (Device d : new Device[] {Device.REFERENCE, Device.CPU}) {
                        Tensor pt = Tensor.of(d, p, n);
                        Tensor mt = Tensor.of(d, m, n);
                        Tensor vt = Tensor.of(d, v, n);
                        Functional.adamwStepInPlace(pt, mt, vt, Tensor.of(d, gr, n), 1e-3f, 0.9f, 0.95f, 1e-8f, 0.05f,
                                step);
                        r[i++] = new Tensor[] {pt, mt, vt};
                    }
                    // β·m + (1-β)·g cancels when the terms have opposite signs, so the float32 error
                    // scales with the operands, not the result: atol 1e-6·max|g| (and max|g|² for v).
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
