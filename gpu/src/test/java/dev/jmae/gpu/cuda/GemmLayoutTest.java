package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row-major-to-cuBLASLt restatement, checked without a GPU: each plan is executed by a scalar
 * model of cuBLASLt's column-major strided-batched GEMM ({@link #runColumnMajor}, written from the
 * cuBLASLt documentation's definition D = op(A)·op(B) + bias over column-major matrices) on the
 * operands' storage arrays, and compared with the row-major product computed from the views'
 * strides.
 */
class GemmLayoutTest {

    /** A strided view over a storage array. */
    record View(float[] data, int[] shape, int[] strides, int offset) {
        float at(int... idx) {
            int o = offset;
            for (int d = 0; d < idx.length; d++) {
                o += idx[d] * strides[d];
            }
            return data[o];
        }
    }

    /** cuBLASLt semantics on host arrays: D (m×n, ld ldc) = op(A)·op(B) (+ bias[m]) for each call and batch. */
    static void runColumnMajor(GemmLayout g, float[] aMem, float[] bMem, float[] dMem, float[] bias, int biasOffset) {
        for (int call = 0; call < g.calls(); call++) {
            for (int batch = 0; batch < g.batchCount(); batch++) {
                long ba = g.offsetsA()[call] + batch * g.strideA();
                long bb = g.offsetsB()[call] + batch * g.strideB();
                long bc = g.offsetsC()[call] + batch * g.strideC();
                for (long col = 0; col < g.n(); col++) {
                    for (long row = 0; row < g.m(); row++) {
                        double s = 0;
                        for (long kk = 0; kk < g.k(); kk++) {
                            float a = g.opA() == DocumentedAbi.CUBLAS_OP_N ? aMem[(int) (ba + row + kk * g.lda())]
                                    : aMem[(int) (ba + kk + row * g.lda())];
                            float b = g.opB() == DocumentedAbi.CUBLAS_OP_N ? bMem[(int) (bb + kk + col * g.ldb())]
                                    : bMem[(int) (bb + col + kk * g.ldb())];
                            s += (double) a * b;
                        }
                        if (g.bias()) {
                            s += bias[(int) (biasOffset + row)];
                        }
                        dMem[(int) (bc + row + col * g.ldc())] = (float) s;
                    }
                }
            }
        }
    }

    /** Checks one case: plan, run the model, compare with the row-major product of the views. */
    static GemmLayout check(String what, int[] batch, int m, int n, int k, View a, View b, float[] bias) {
        int nd = batch.length + 2;
        int[] outShape = java.util.Arrays.copyOf(batch, nd);
        outShape[nd - 2] = m;
        outShape[nd - 1] = n;
        int[] outStrides = dev.jmae.tensor.Shape.contiguousStrides(outShape);
        int outOffset = 5;
        float[] out = new float[outOffset + dev.jmae.tensor.Shape.numel(outShape)];
        java.util.Arrays.fill(out, Float.NaN);
        GemmLayout g = GemmLayout.plan(outShape, outStrides, outOffset, a.strides(), a.offset(), k, b.strides(),
                b.offset(), bias == null ? -1 : 1);
        assertNotNull(g, what + ": expected a plan");
        runColumnMajor(g, b.data(), a.data(), out, bias, 0);
        int total = dev.jmae.tensor.Shape.numel(outShape);
        int[] idx = new int[nd];
        for (int flat = 0; flat < total; flat++) {
            int r = flat;
            for (int d = nd - 1; d >= 0; d--) {
                idx[d] = r % outShape[d];
                r /= outShape[d];
            }
            double s = bias == null ? 0 : bias[idx[nd - 1]];
            int[] ai = idx.clone();
            int[] bi = idx.clone();
            for (int kk = 0; kk < k; kk++) {
                ai[nd - 1] = kk;
                bi[nd - 2] = kk;
                s += (double) a.at(ai) * b.at(bi);
            }
            float got = out[outOffset + flat];
            assertEquals(s, got, 1e-4 * (1 + Math.abs(s)),
                    what + " at " + java.util.Arrays.toString(idx) + " (" + g + ")");
        }
        return g;
    }

    static View random(Random rnd, int size, int[] shape, int[] strides, int offset) {
        float[] d = new float[size];
        for (int i = 0; i < size; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new View(d, shape, strides, offset);
    }

    @Test
    void contiguousProductIsOneCall() {
        Random rnd = new Random(1);
        int m = 7;
        int n = 33;
        int k = 5;
        View a = random(rnd, m * k + 3, new int[] {m, k}, new int[] {k, 1}, 3);
        View b = random(rnd, k * n, new int[] {k, n}, new int[] {n, 1}, 0);
        GemmLayout g = check("plain", new int[0], m, n, k, a, b, null);
        assertEquals(DocumentedAbi.CUBLAS_OP_N, g.opA());
        assertEquals(DocumentedAbi.CUBLAS_OP_N, g.opB());
        assertEquals(n, g.m());
        assertEquals(m, g.n());
        assertEquals(1, g.calls());
        assertEquals(1, g.batchCount());
    }

    @Test
    void transposedOperandsUseOpT() {
        Random rnd = new Random(2);
        int m = 6;
        int n = 9;
        int k = 4;
        // a = x^T with x [K, M]; b = w^T with w [N, K] (a Linear layer's weight)
        View a = random(rnd, k * m, new int[] {m, k}, new int[] {1, m}, 0);
        View b = random(rnd, n * k, new int[] {k, n}, new int[] {1, k}, 0);
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) {
            bias[i] = i - 4.5f;
        }
        GemmLayout g = check("both transposed, bias", new int[0], m, n, k, a, b, bias);
        assertEquals(DocumentedAbi.CUBLAS_OP_T, g.opA());
        assertEquals(DocumentedAbi.CUBLAS_OP_T, g.opB());
        assertTrue(g.bias());
    }

    @Test
    void linearOverBatchFoldsIntoOneProduct() {
        Random rnd = new Random(3);
        int bsz = 3;
        int l = 5;
        int d = 8;
        int n = 12;
        // x [B, L, D] contiguous, weight^T [D, N] broadcast over B (stride 0)
        View a = random(rnd, bsz * l * d, new int[] {bsz, l, d}, new int[] {l * d, d, 1}, 0);
        View b = random(rnd, n * d, new int[] {bsz, d, n}, new int[] {0, 1, d}, 0);
        GemmLayout g = check("linear", new int[] {bsz}, l, n, d, a, b, new float[n]);
        assertEquals(1, g.calls());
        assertEquals(1, g.batchCount());
        assertEquals(bsz * l, g.n(), "batch folded into M");
    }

    @Test
    void attentionShapedViewsBatchOverHeadsAndLoopOverBatch() {
        Random rnd = new Random(4);
        int bsz = 2;
        int h = 3;
        int l = 7;
        int dh = 4;
        int width = 3 * h * dh;
        float[] qkv = new float[bsz * l * width];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) rnd.nextGaussian();
        }
        // q [B, H, L, Dh] and k^T [B, H, Dh, L] as views of a packed [B, L, 3·H·Dh] projection
        View q = new View(qkv, new int[] {bsz, h, l, dh}, new int[] {l * width, dh, width, 1}, 0);
        View kt = new View(qkv, new int[] {bsz, h, dh, l}, new int[] {l * width, dh, 1, width}, h * dh);
        GemmLayout g = check("q k^T", new int[] {bsz, h}, l, l, dh, q, kt, null);
        assertEquals(bsz, g.calls(), "B is not mergeable with H: one call per batch element");
        assertEquals(h, g.batchCount());
        assertEquals(dh, g.strideB());
    }

    @Test
    void sizeOneDimsAndBroadcastLeftOperandsWork() {
        Random rnd = new Random(5);
        // M = 1 (a row vector with a non-unit column stride), K = 1, N = 1 and a broadcast a
        View a1 = random(rnd, 20, new int[] {1, 4}, new int[] {99, 3}, 1);
        View b1 = random(rnd, 8, new int[] {4, 2}, new int[] {2, 1}, 0);
        check("M = 1", new int[0], 1, 2, 4, a1, b1, null);
        View a2 = random(rnd, 6, new int[] {6, 1}, new int[] {1, 77}, 0);
        View b2 = random(rnd, 5, new int[] {1, 5}, new int[] {55, 1}, 0);
        check("K = 1", new int[0], 6, 5, 1, a2, b2, null);
        View a3 = random(rnd, 12, new int[] {3, 4}, new int[] {4, 1}, 0);
        View b3 = random(rnd, 4, new int[] {4, 1}, new int[] {1, 13}, 0);
        check("N = 1", new int[0], 3, 1, 4, a3, b3, new float[] {0.5f});
        View a4 = random(rnd, 12, new int[] {4, 3, 4}, new int[] {0, 4, 1}, 0);
        View b4 = random(rnd, 4 * 4 * 2, new int[] {4, 4, 2}, new int[] {8, 2, 1}, 0);
        GemmLayout g = check("broadcast a", new int[] {4}, 3, 2, 4, a4, b4, null);
        assertEquals(0, g.strideB());
        assertEquals(4, g.batchCount());
    }

    @Test
    void layoutsCuBlasLtCannotReadAreRefused() {
        int[] out = {4, 4};
        int[] cs = {4, 1};
        // a with both strides above 1 (every other column of a wider matrix)
        assertNull(GemmLayout.plan(out, cs, 0, new int[] {8, 2}, 0, 4, new int[] {4, 1}, 0, -1));
        // rows overlapping (stride-0 rows of an expanded vector)
        assertNull(GemmLayout.plan(out, cs, 0, new int[] {0, 1}, 0, 4, new int[] {4, 1}, 0, -1));
        // a strided bias
        assertNull(GemmLayout.plan(out, cs, 0, new int[] {4, 1}, 0, 4, new int[] {4, 1}, 0, 2));
        // K = 0 (out is the bias or zero; no GEMM)
        assertNull(GemmLayout.plan(out, cs, 0, new int[] {0, 1}, 0, 0, new int[] {4, 1}, 0, -1));
    }

    @Test
    void randomStridedCasesMatchTheRowMajorProduct() {
        Random rnd = new Random(16);
        int planned = 0;
        for (int trial = 0; trial < 200; trial++) {
            int m = 1 + rnd.nextInt(9);
            int n = 1 + rnd.nextInt(9);
            int k = 1 + rnd.nextInt(9);
            int b0 = 1 + rnd.nextInt(3);
            int b1 = 1 + rnd.nextInt(3);
            boolean aT = rnd.nextBoolean();
            boolean bT = rnd.nextBoolean();
            boolean aShared = rnd.nextInt(4) == 0;
            boolean bShared = rnd.nextInt(3) == 0;
            int aMat = m * k;
            int bMat = k * n;
            int aOff = rnd.nextInt(3);
            int bOff = rnd.nextInt(3);
            int[] aStr = {aShared ? 0 : b1 * aMat, aShared ? 0 : aMat, aT ? 1 : k, aT ? m : 1};
            int[] bStr = {bShared ? 0 : b1 * bMat, bShared ? 0 : bMat, bT ? 1 : k == 0 ? 1 : n, bT ? k : 1};
            View a = random(rnd, aOff + b0 * b1 * aMat, new int[] {b0, b1, m, k}, aStr, aOff);
            View b = random(rnd, bOff + b0 * b1 * bMat, new int[] {b0, b1, k, n}, bStr, bOff);
            float[] bias = rnd.nextBoolean() ? null : new float[n];
            if (bias != null) {
                for (int i = 0; i < n; i++) {
                    bias[i] = (float) rnd.nextGaussian();
                }
            }
            check("trial " + trial + " (a" + (aT ? "T" : "") + (aShared ? " shared" : "") + ", b" + (bT ? "T" : "")
                    + (bShared ? " shared" : "") + ")", new int[] {b0, b1}, m, n, k, a, b, bias);
            planned++;
        }
        assertEquals(200, planned);
    }
}
