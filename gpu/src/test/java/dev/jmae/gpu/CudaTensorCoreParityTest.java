package dev.jmae.gpu;

import dev.jmae.gpu.cuda.CudaBackend;
import dev.jmae.gpu.cuda.MatmulPrecision;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The CUDA backend's fast paths against the reference, on the device under test when it is a CUDA
 * device ({@code -Djmae.test.device=cuda:0}, the device check; skipped elsewhere): cuBLASLt GEMMs at
 * the ViT-B shapes at {@code highest} (strict fp32: the rigorous float32 bound of
 * {@link MatmulParityTest} holds for any summation order) and at {@code high} (TF32 tensor cores),
 * and the flash attention kernels (TF32, head dims 32 and 64, M ≠ N) at {@code high}; GEMMs are compared
 * with the cpu backend's float32 GEMM (within 1e-5 at {@code highest}), attention with the double
 * reference. The TF32
 * results must lie within 2e-3 of the reference in relative Frobenius norm (‖out − ref‖ / ‖ref‖;
 * TF32 rounds operands to 10 mantissa bits, about 3e-4 typical), and the counters must show that
 * the fast path ran, not the SIMT fallback.
 */
class CudaTensorCoreParityTest {

    private static final double TF32_REL = 2e-3;

    private static CudaBackend cuda() {
        Assumptions.assumeTrue(!GpuTesting.openclUnderTest() && GpuTesting.device().type().equals("cuda"),
                "the device under test is not a CUDA device (set -Djmae.test.device=cuda:0)");
        return (CudaBackend) GpuTesting.backend();
    }

    private static double relativeError(Tensor ref, Tensor got) {
        float[] r = ref.toArray();
        float[] g = got.toArray();
        double num = 0;
        double den = 0;
        for (int i = 0; i < r.length; i++) {
            double d = (double) g[i] - r[i];
            num += d * d;
            den += (double) r[i] * r[i];
            if (Float.isNaN(g[i])) {
                return Double.NaN;
            }
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    @TestFactory
    List<DynamicTest> gemmsAtVitBShapes() {
        List<DynamicTest> tests = new ArrayList<>();
        // M, K, N: the qkv and MLP projections of a ViT-B step at batch 64 (64 x 50 tokens), a weight gradient
        int[][] shapes = {{3200, 768, 2304}, {3200, 768, 3072}, {3200, 3072, 768}, {768, 3200, 768}};
        for (int[] s : shapes) {
            for (MatmulPrecision p : MatmulPrecision.values()) {
                String name = p.cliName() + " " + s[0] + "x" + s[1] + "x" + s[2];
                tests.add(dynamicTest(name, () -> gemm(name, s[0], s[1], s[2], p)));
            }
        }
        return tests;
    }

    private static void gemm(String name, int m, int k, int n, MatmulPrecision precision) {
        CudaBackend be = cuda();
        Device d = be.device();
        Generator g = new Generator(m + 31L * k + n);
        float[] a = TestData.normal(g, m * k, 0, 1);
        float[] b = TestData.normal(g, k * n, 0, 1);
        float[] bias = TestData.normal(g, n, 0, 1);
        // the cpu backend's float32 GEMM as the reference (the double reference would take minutes here)
        Tensor ref = GpuTesting.matmul(Device.CPU.backend(), Tensor.of(Device.CPU, a, m, k),
                Tensor.of(Device.CPU, b, n, k).transpose(0, 1), Tensor.of(Device.CPU, bias, n));
        MatmulPrecision before = be.matmulPrecision();
        long lt = be.linalg().cublasLtProducts();
        try {
            be.setMatmulPrecision(precision);
            Tensor got = GpuTesting.matmul(be, Tensor.of(d, a, m, k), Tensor.of(d, b, n, k).transpose(0, 1),
                    Tensor.of(d, bias, n));
            double err = relativeError(ref, got);
            double limit = precision == MatmulPrecision.HIGH ? TF32_REL : 1e-5;
            assertTrue(err <= limit, name + ": relative error " + err + " > " + limit);
            assertTrue(be.linalg().cublasLtProducts() > lt, name + ": cuBLASLt did not run ("
                    + be.linalg().simtProducts() + " SIMT products)");
        } finally {
            be.setMatmulPrecision(before);
        }
    }

    @TestFactory
    List<DynamicTest> flashAttentionMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        // B, H, M, N, Dh: CrossMAE ViT-B decoder cross-attention (γ 0.75 and 0.25), encoder self-attention, odd sizes
        int[][] cases = {{4, 16, 147, 50, 32}, {4, 16, 49, 50, 32}, {4, 12, 50, 50, 64}, {2, 3, 70, 33, 48},
            {1, 2, 5, 197, 64}, {2, 2, 65, 63, 8}};
        for (int[] c : cases) {
            String name = "B" + c[0] + " H" + c[1] + " M" + c[2] + " N" + c[3] + " Dh" + c[4];
            tests.add(dynamicTest(name, () -> attention(name, c)));
        }
        return tests;
    }

    private static void attention(String name, int[] c) {
        CudaBackend be = cuda();
        Device d = be.device();
        int b = c[0];
        int h = c[1];
        int m = c[2];
        int n = c[3];
        int dh = c[4];
        float scale = (float) (1 / Math.sqrt(dh));
        Generator g = new Generator(Shape.numel(c));
        float[] q = TestData.normal(g, b * h * m * dh, 0, 1);
        float[] k = TestData.normal(g, b * h * n * dh, 0, 1);
        float[] v = TestData.normal(g, b * h * n * dh, 0, 1);
        float[] dout = TestData.normal(g, b * h * m * dh, 0, 1);
        Tensor[] ref = run(GpuTesting.reference(), Device.REFERENCE, q, k, v, dout, c, scale);
        MatmulPrecision before = be.matmulPrecision();
        long flash = be.attention().flashCalls();
        try {
            be.setMatmulPrecision(MatmulPrecision.HIGH);
            Tensor[] got = run(be, d, q, k, v, dout, c, scale);
            String[] names = {"out", "lse", "dq", "dk", "dv"};
            for (int i = 0; i < names.length; i++) {
                double err = relativeError(ref[i], got[i]);
                assertTrue(err <= TF32_REL, name + " " + names[i] + ": relative error " + err + " > " + TF32_REL);
            }
            assertTrue(be.attention().flashCalls() >= flash + 2, name + ": the flash kernels did not run");
        } finally {
            be.setMatmulPrecision(before);
        }
    }

    /** Forward and backward through the SPI: out, lse, dq, dk, dv. */
    private static Tensor[] run(Backend be, Device d, float[] q, float[] k, float[] v, float[] dout, int[] c,
                                float scale) {
        int b = c[0];
        int h = c[1];
        int m = c[2];
        int n = c[3];
        int dh = c[4];
        Tensor tq = Tensor.of(d, q, b, h, m, dh);
        Tensor tk = Tensor.of(d, k, b, h, n, dh);
        Tensor tv = Tensor.of(d, v, b, h, n, dh);
        Tensor out = Tensor.empty(d, b, h, m, dh);
        Tensor lse = Tensor.empty(d, b, h, m);
        be.attention().attentionForward(out, lse, tq, tk, tv, scale);
        Tensor dq = Tensor.empty(d, b, h, m, dh);
        Tensor dk = Tensor.empty(d, b, h, n, dh);
        Tensor dv = Tensor.empty(d, b, h, n, dh);
        be.attention().attentionBackward(dq, dk, dv, out, lse, Tensor.of(d, dout, b, h, m, dh), tq, tk, tv, scale);
        return new Tensor[] {out, lse, dq, dk, dv};
    }
}
