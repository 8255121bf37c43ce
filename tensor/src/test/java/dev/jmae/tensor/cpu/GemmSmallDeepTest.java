package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.jmae.tensor.testing.TestData.uniform;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm}'s path for a C of at most 32 rows by one vector over a deep K gives exactly the bits
 * of {@link Gemm#blocked}, with B read in place (row-major) or packed (stored transposed), with and
 * without bias, overwriting and accumulating. Together with
 * {@code GemmParityTest.smallDeepProductsMatchReference} (values against the reference), this
 * keeps training results unchanged by the path.
 */
class GemmSmallDeepTest {

    @Test
    void smallDeepPathGivesTheBlockedPathsBits() {
        // up to 8 rows: one group; 9 to 32: groups of 8, the last 1 to 8 rows; 12 x 13 is ViT-S/16's
        // inter-block weight gradient at batch 16 (K = 16 * 50 * 384)
        int[][] sizes = {{1, 1, 4096}, {7, 4, 4097}, {8, 16, 6000}, {3, 5, 20000}, {5, 9, 4609}, {7, 4, 319488},
            {9, 16, 4097}, {12, 13, 307200}, {17, 3, 5000}, {32, 16, 4096}};
        SplittableRandom rnd = new SplittableRandom(7);
        for (int[] s : sizes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            // A = X^T with X [K, M] row-major (a layer's input, as in a weight gradient)
            float[] x = uniform(rnd, k * m);
            float[] bRowMajor = uniform(rnd, k * n);
            float[] bTransposed = new float[n * k];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    bTransposed[j * k + p] = bRowMajor[p * n + j];
                }
            }
            // the same A row-major [M, K] (a weight gradient computed as dY^T · X with dY transposed)
            float[] aRowMajor = new float[m * k];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    aRowMajor[i * k + p] = x[p * m + i];
                }
            }
            float[] bias = uniform(rnd, n);
            float[] old = uniform(rnd, m * n);
            for (boolean withBias : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] b = withBias ? bias : null;
                    float[] blocked = old.clone();
                    Gemm.blocked(GemmTuning.DEFAULT, true, m, n, k, x, 0, 1, m, bRowMajor, 0, n, 1, blocked, 0, n, b, 0,
                            1, accumulate);
                    float[] inPlace = old.clone();
                    Gemm.sgemm(m, n, k, x, 0, 1, m, bRowMajor, 0, n, 1, inPlace, 0, n, b, 0, 1, accumulate);
                    float[] packed = old.clone();
                    Gemm.sgemm(m, n, k, x, 0, 1, m, bTransposed, 0, 1, k, packed, 0, n, b, 0, 1, accumulate);
                    float[] blockedRows = old.clone();
                    Gemm.blocked(GemmTuning.DEFAULT, true, m, n, k, aRowMajor, 0, k, 1, bTransposed, 0, 1, k,
                            blockedRows,
                            0, n, b, 0, 1, accumulate);
                    float[] rows = old.clone();
                    Gemm.sgemm(m, n, k, aRowMajor, 0, k, 1, bTransposed, 0, 1, k, rows, 0, n, b, 0, 1, accumulate);
                    String what = "[M=" + m + ", N=" + n + ", K=" + k + "]" + (withBias ? " bias" : "")
                            + (accumulate ? " accumulate" : " overwrite");
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToRawIntBits(blocked[i]), Float.floatToRawIntBits(inPlace[i]),
                                what + ", B in place: element " + i + " is " + inPlace[i] + ", blocked " + blocked[i]);
                        assertEquals(Float.floatToRawIntBits(blocked[i]), Float.floatToRawIntBits(packed[i]),
                                what + ", B packed: element " + i + " is " + packed[i] + ", blocked " + blocked[i]);
                        assertEquals(Float.floatToRawIntBits(blockedRows[i]), Float.floatToRawIntBits(rows[i]),
                                what + ", A row-major, B packed: element " + i + " is " + rows[i] + ", blocked "
                                        + blockedRows[i]);
                    }
                    assertTrue(Float.isFinite(blocked[0]), what);
                }
            }
        }
    }

}
