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
 * methods too, and the CUDA ones where a CUDA device is. No timing is asserted.
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
    void matmulCpuAndDevicesMatchOpenblasInEveryLayout() {
        for (String layout : new String[] {"NN", "NT", "TN"}) {
            MatmulBench b = new MatmulBench();
            b.shape = "square";
            b.layout = layout;
            b.setup();
            MatmulBench.OpenBlas blasState = new MatmulBench.OpenBlas();
            blasState.setup(b);
            try {
                float[] ours = b.cpu(new MatmulBench.CpuTuning()).clone();
                float[] blas = new float[ours.length];
                b.openblas(blasState).get(blas);
                assertClose(ours, blas, 1e-5, "cpu vs OpenBLAS " + layout);
                MatmulBench.OpenCl cl = new MatmulBench.OpenCl();
                cl.setup(b);
                if (cl.ops != null) {
                    assertClose(b.opencl(cl).toArray(), blas, 1e-5, "opencl vs OpenBLAS " + layout);
                }
                MatmulBench.Cuda cuda = new MatmulBench.Cuda();
                cuda.setup(b);
                if (cuda.ops != null) {
                    assertClose(b.cuda(cuda).toArray(), blas, 1e-5, "cuda vs OpenBLAS " + layout);
                    assertClose(b.cudaHigh(cuda).toArray(), blas, 1e-2, "cuda TF32 vs OpenBLAS " + layout);
                }
            } finally {
                blasState.tearDown();
            }
        }
    }

    @Test
    void deviceBenchmarksWithoutTheirDeviceFailWithTheReason() {
        if (BenchSupport.cuda() == null) {
            AttentionBench.Cuda s = new AttentionBench.Cuda();
            s.setup();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> new AttentionBench().cudaForward(s));
            assertTrue(e.getMessage().startsWith("no cuda device (") && e.getMessage().contains("-e cuda"),
                    e.getMessage());
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
        AttentionBench.Ref ref = new AttentionBench.Ref();
        ref.setup();
        AttentionBench.Cpu cpu = new AttentionBench.Cpu();
        cpu.setup();
        float[] out = b.referenceForward(ref).toArray();
        float[] dq = b.referenceBackward(ref).toArray();
        float[] dk = ref.buffers.dk.toArray();
        assertClose(b.cpuForward(cpu).toArray(), out, 1e-5, "attention forward cpu");
        assertClose(b.cpuBackward(cpu).toArray(), dq, 1e-4, "attention dq cpu");
        assertClose(cpu.buffers.dk.toArray(), dk, 1e-4, "attention dk cpu");
        AttentionBench.OpenCl cl = new AttentionBench.OpenCl();
        cl.setup();
        if (cl.buffers != null) {
            assertClose(b.openclForward(cl).toArray(), out, 1e-5, "attention forward opencl");
            assertClose(b.openclBackward(cl).toArray(), dq, 1e-4, "attention dq opencl");
        }
        AttentionBench.Cuda cuda = new AttentionBench.Cuda();
        cuda.setup();
        if (cuda.buffers != null) {
            assertClose(b.cudaForward(cuda).toArray(), out, 1e-5, "attention forward cuda");
            assertClose(b.cudaBackward(cuda).toArray(), dq, 1e-4, "attention dq cuda");
            assertClose(b.cudaHighForward(cuda).toArray(), out, 1e-2, "attention forward cuda TF32");
            assertClose(b.cudaHighBackward(cuda).toArray(), dq, 1e-2, "attention dq cuda TF32");
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
