package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.jmae.tensor.testing.TestData.uniform;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm}'s path for a small C over several K strips ({@link GemmDeep#deepStrips}: the strips'
 * sums computed apart, in parallel, then added in order) gives exactly the bits of
 * {@link Gemm#blocked}, for A row-major, transposed (packed in groups of panels) and strided, B
 * row-major and transposed, ragged rows and columns, every tile shape, with and without bias
 * (contiguous and strided), overwriting and accumulating. GemmParityTest holds the values to the
 * reference; this keeps training results unchanged by the path.
 */
class GemmDeepStripsTest {

    @Test
    void deepStripsGiveTheBlockedPathsBits() {
        // {M, N, K}: one row and one column; 8x2 with a ragged last panel; 5x3 (N a multiple of 48)
        // with ragged rows; 197 rows by 7 columns (8x1); CrossMAE's 32-px decoder weight gradient
        // (fc1: 512 x 128 over 64 x 65 tokens); 2 to 14 strips, odd and even counts
        int[][] sizes = {{1, 1, 2049}, {7, 33, 1025}, {13, 48, 3201}, {197, 7, 2600}, {33, 96, 2001}, {512, 128, 4160}};
        GemmTuning[] tunings = {GemmTuning.DEFAULT,
            GemmTuning.parse("tile=6x4 kc=640/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256"),
            GemmTuning.parse("tile=4x4 kc=960/300 bblock=163840 ablock=3145728 tasks=2 tinplace=256")};
        SplittableRandom rnd = new SplittableRandom(11);
        for (int[] s : sizes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] aRowMajor = uniform(rnd, m * k);
            float[] aTransposed = new float[k * m];
            float[] aStrided = new float[2 * m * k];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    aTransposed[p * m + i] = aRowMajor[i * k + p];
                    aStrided[i * 2 * k + 2 * p] = aRowMajor[i * k + p];
                }
            }
            float[] bRowMajor = uniform(rnd, k * n);
            float[] bTransposed = new float[n * k];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    bTransposed[j * k + p] = bRowMajor[p * n + j];
                }
            }
            // {array, row stride, column stride}
            Object[][] as = {{aRowMajor, k, 1}, {aTransposed, 1, m}, {aStrided, 2 * k, 2}};
            Object[][] bs = {{bRowMajor, n, 1}, {bTransposed, 1, k}};
            float[] bias = uniform(rnd, 2 * n);
            int cStride = n + 3;
            float[] old = uniform(rnd, m * cStride);
            for (GemmTuning tuning : tunings) {
                for (Object[] av : as) {
                    for (Object[] bv : bs) {
                        for (int biasStride : new int[] {0, 1, 2}) {
                            for (boolean accumulate : new boolean[] {false, true}) {
                                float[] bb = biasStride == 0 ? null : bias;
                                float[] blocked = old.clone();
                                Gemm.blocked(tuning, true, m, n, k, (float[]) av[0], 0, (int) av[1], (int) av[2],
                                        (float[]) bv[0], 0, (int) bv[1], (int) bv[2], blocked, 0, cStride, bb, 0,
                                        Math.max(1, biasStride), accumulate);
                                float[] deep = old.clone();
                                GemmDeep.deepStrips(tuning, m, n, k, (float[]) av[0], 0, (int) av[1], (int) av[2],
                                        (float[]) bv[0], 0, (int) bv[1], (int) bv[2], deep, 0, cStride, bb, 0,
                                        Math.max(1, biasStride), accumulate);
                                String what = "[M=" + m + ", N=" + n + ", K=" + k + "] wide tile "
                                        + tuning.wide().label()
                                        + " A strides " + av[1] + "/" + av[2] + ", B strides " + bv[1] + "/" + bv[2]
                                        + ", bias stride " + biasStride + (accumulate ? ", accumulate" : ", overwrite");
                                for (int i = 0; i < m * cStride; i++) {
                                    assertEquals(Float.floatToRawIntBits(blocked[i]), Float.floatToRawIntBits(deep[i]),
                                            what + ": element " + i + " is " + deep[i] + ", blocked " + blocked[i]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void onlySmallProductsOverSeveralStripsTakeThePath() {
        GemmTuning t = GemmTuning.DEFAULT;
        assertTrue(GemmDeep.stripsInParallel(t, 384, 128, 4160), "9 strips of 384 x 128");
        assertTrue(GemmDeep.stripsInParallel(t, 128, 96, 3201), "5 strips of the 5x3 tile");
        assertFalse(GemmDeep.stripsInParallel(t, 512, 128, 512), "one strip of the 8x2 tile");
        assertFalse(GemmDeep.stripsInParallel(t, 512, 128, 1536), "3 strips");
        assertFalse(GemmDeep.stripsInParallel(t, 768, 2304, 3200), "strip sums over 8 MiB");
        assertFalse(GemmDeep.stripsInParallel(t, 128, 512, 4160), "a B strip over one packed block");
    }

}
