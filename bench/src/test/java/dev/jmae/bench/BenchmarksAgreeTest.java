package dev.jmae.bench;

import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every benchmark runs once outside JMH, and what it computes is checked: the implementations a
 * benchmark compares must compute the same thing, or its speed ratio means nothing. The jmae GEMM is
 * checked against OpenBLAS (an independent implementation), the row kernels and attention against
 * the reference backend, and, where an OpenCL device is present (CI installs PoCL), the OpenCL
 * methods too. No timing is asserted.
 */
class BenchmarksAgreeTest {

    /** max |got - want| over max |want|. */
    private static double relError(float[] got, float[] want) {
        assertEquals(want.length, got.length);
        double err = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        assertTrue(scale > 0, "the expected values are all zero: the check would be empty");
        return err / scale;
    }

    private static void assertClose(float[] got, float[] want, double tol, String what) {
        double e = relError(got, want);
        assertTrue(e <= tol, what + ": max error " + e + " of the largest value, tolerance " + tol);
    }

    @Test
    void matmulCpuAndOpenclMatchOpenblasInEveryLayout() {
        for (String layout : new String[] {"NN", "NT", "TN"}) {
            MatmulBench b = new MatmulBench();
            b.shape = "square";
            b.layout = layout;
            b.setup();
            try {
                float[] ours = b.cpu().clone();
                float[] blas = new float[ours.length];
                b.openblas().get(blas);
                assertClose(ours, blas, 1e-5, "cpu vs OpenBLAS " + layout);
                if (b.gpu != null) {
                    assertClose(b.opencl().toArray(), blas, 1e-5, "opencl vs OpenBLAS " + layout);
                }
            } finally {
                b.tearDown();
            }
        }
    }

    @Test
    void softmaxBackendsAgreeAndCopyCopies() {
        for (String shape : new String[] {"150528x50", "8192x1024"}) {
            SoftmaxBench b = new SoftmaxBench();
            b.shape = shape;
            b.setup();
            float[] want = b.reference().toArray();
            assertClose(b.cpu().toArray(), want, 1e-6, "softmax cpu " + shape);
            if (b.gpu != null) {
                assertClose(b.opencl().toArray(), want, 1e-6, "softmax opencl " + shape);
            }
            assertClose(b.copy(), b.src, 0, "copy " + shape);
            float[] exps = new float[b.src.length];
            for (int i = 0; i < exps.length; i++) {
                exps[i] = (float) Math.exp(b.src[i]);
            }
            assertClose(b.cpuExp().toArray(), exps, 1e-6, "exp cpu " + shape);
        }
    }

    @Test
    void layerNormBackendsAgree() {
        LayerNormBench b = new LayerNormBench();
        b.shape = "3200x768";
        b.setup();
        float[] y = b.referenceForward().toArray();
        float[] dx = b.referenceBackward().toArray();
        float[] dw = b.ref.dw.toArray();
        assertClose(b.cpuForward().toArray(), y, 1e-5, "layer norm forward cpu");
        assertClose(b.cpuBackward().toArray(), dx, 1e-4, "layer norm dx cpu");
        assertClose(b.cpu.dw.toArray(), dw, 1e-4, "layer norm dweight cpu");
        if (b.gpu != null) {
            assertClose(b.openclForward().toArray(), y, 1e-5, "layer norm forward opencl");
            assertClose(b.openclBackward().toArray(), dx, 1e-4, "layer norm dx opencl");
        }
    }

    @Test
    void attentionBackendsAgree() {
        AttentionBench b = new AttentionBench();
        b.setup();
        float[] out = b.referenceForward().toArray();
        float[] dq = b.referenceBackward().toArray();
        float[] dk = b.ref.dk.toArray();
        assertClose(b.cpuForward().toArray(), out, 1e-5, "attention forward cpu");
        assertClose(b.cpuBackward().toArray(), dq, 1e-4, "attention dq cpu");
        assertClose(b.cpu.dk.toArray(), dk, 1e-4, "attention dk cpu");
        if (b.gpu != null) {
            assertClose(b.openclForward().toArray(), out, 1e-5, "attention forward opencl");
            assertClose(b.openclBackward().toArray(), dq, 1e-4, "attention dq opencl");
        }
    }

    @Test
    void autogradAndHandWrittenBackwardGiveTheSameGradients() {
        AutogradBench b = new AutogradBench();
        b.setup();
        float[] viaAutograd = b.autograd().toArray();
        float[] b1ViaAutograd = b.b1.grad().toArray();
        for (var v : new dev.jmae.autograd.Variable[] {b.w1, b.b1, b.w2, b.b2}) {
            v.setGrad(null);
        }
        Tensor byHand = b.kernels();
        assertNotNull(byHand);
        assertClose(byHand.toArray(), viaAutograd, 1e-6, "w1 gradient");
        assertClose(b.b1.grad().toArray(), b1ViaAutograd, 1e-6, "b1 gradient");
    }

    @Test
    void peakBenchChainsComputeTheirRecurrenceAndCountTheirFlops() {
        // x <- x*m + a from x = 1, run on every lane of every chain: the closed form is the fixed
        // point a/(1-m) plus (1 - a/(1-m))·m^t; every lane of every chain holds it
        double m = 0.999;
        double a = 0.001;
        int trips = 1000;
        double fixed = a / (1 - m);
        double expected = fixed + (1 - fixed) * Math.pow(m, trips);
        double got = PeakBench.chains(trips, (float) m, (float) a) / (PeakBench.CHAINS * PeakBench.S.length());
        assertEquals(expected, got, 1e-4, "one lane's value after " + trips + " FMAs");
        assertEquals(2L * PeakBench.TRIPS * PeakBench.CHAINS * PeakBench.S.length(), PeakBench.flopsPerInvocation());
    }
}
