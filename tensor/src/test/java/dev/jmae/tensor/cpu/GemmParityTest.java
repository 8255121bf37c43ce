package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jmae.tensor.reference.ReferenceGemm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Parity of {@link Gemm} against {@link ReferenceGemm} on seeded random operands with outliers
 * (1% of elements scaled by 100), awkward sizes, every transposition, strided and broadcast
 * views, bias, accumulate and overwrite, batches, and the ViT-B transformer shapes.
 *
 * <p>Tolerance, per element: |actual - expected| &lt;= ATOL_FACTOR * sqrt(K + 2) * u * mag + RTOL * |expected|,
 * where u = 2^-24 is the float32 unit roundoff and mag = sum_p |A[i,p]| |B[p,j]| + |bias[j]| + |C_old[i,j]|
 * is the magnitude of everything summed into the element (computed by the reference on absolute
 * values). Why: the fast kernel sums K products (plus bias and the old C) in float32 with FMA, one
 * rounding per term; with round-to-nearest the errors behave like independent zero-mean variables,
 * so the accumulated error is at most lambda * sqrt(K) * u * mag except with probability about
 * exp(-lambda^2 / 2) (Higham and Mary, "A new approach to probabilistic rounding error analysis",
 * SIAM J. Sci. Comput. 2019). lambda = ATOL_FACTOR = 8 puts a false alarm near 1e-14 per element.
 * The deterministic worst case would be K * u * mag; the probabilistic bound is tighter and still
 * catches a single dropped or doubled product (about |A||B| / mag ~ 1/K of mag, far above
 * 8 sqrt(K) u mag for every K tested). RTOL = 1e-6 (about 17 ulp) covers the final rounding to
 * float and the strip-by-strip adds into C. The double reference is exact to about 1e-16 and
 * contributes nothing measurable.
 *
 * <p>Elements of the C array outside the product's view (row padding, before the offset) must
 * keep their exact bits, and overwriting must ignore C's old contents (they are NaN here).
 */
class GemmParityTest {

    private static final double U = Math.scalb(1.0, -24);
    private static final double ATOL_FACTOR = 8.0;
    private static final double RTOL = 1e-6;
    private static final float SENTINEL = -12345.5f;

    /** Seeds derive from the case description, so each case's data is fixed and independent of order. */
    private static final long SEED = 0x6a6d6165L;

    /** How one operand is laid out: transposed, extra padding per row, offset; or broadcast (stride 0). */
    enum View {
        ROW_MAJOR, TRANSPOSED, PADDED, BROADCAST_ROWS, BROADCAST_COLS
    }

    /** One product to check: sizes, views, options; {@code checkRows} null checks every row. */
    record Case(String op, int m, int n, int k, View aView, View bView, boolean bias, int biasStride,
                boolean accumulate, int batch, int[] checkRows) {

        Case(String op, int m, int n, int k, View aView, View bView, boolean bias, boolean accumulate) {
            this(op, m, n, k, aView, bView, bias, 1, accumulate, 1, null);
        }

        @Override
        public String toString() {
            return op + " [M=" + m + ", N=" + n + ", K=" + k + "] A " + aView + ", B " + bView
                    + (bias ? ", bias stride " + biasStride : "") + (accumulate ? ", accumulate" : ", overwrite")
                    + (batch > 1 ? ", batch " + batch : "");
        }
    }

    /** Strides and offset of a [rows, cols] operand in a given view: {offset, rowStride, colStride, size}. */
    private static int[] layout(View view, int rows, int cols) {
        return switch (view) {
            case ROW_MAJOR -> new int[] {0, cols, 1, rows * cols};
            case TRANSPOSED -> new int[] {0, 1, rows, rows * cols};
            // Rows padded by 3 and a leading offset of 5: a slice of a larger tensor.
            case PADDED -> new int[] {5, cols + 3, 1, 5 + rows * (cols + 3)};
            // Every row the same (an expanded [1, cols] tensor), or every column the same.
            case BROADCAST_ROWS -> new int[] {2, 0, 1, 2 + cols};
            case BROADCAST_COLS -> new int[] {1, 1, 0, 1 + rows};
        };
    }

    private static float[] randomWithOutliers(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            float v = (float) rnd.nextDouble(-1.0, 1.0);
            x[i] = rnd.nextInt(100) == 0 ? v * 100f : v;
        }
        return x;
    }

    private static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    /** Runs one case through {@link Gemm} and {@link ReferenceGemm} and compares. */
    private static void check(Case cs) {
        check(cs, null);
    }

    /** Runs one case with a given tuning (null: the one in force, the pinned default) and compares. */
    static void check(Case cs, GemmTuning tuning) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ cs.toString().hashCode());
        int m = cs.m;
        int n = cs.n;
        int k = cs.k;
        int[] la = layout(cs.aView, m, k);
        int[] lb = layout(cs.bView, k, n);
        int cRow = n + 2;
        int cItem = 3 + m * cRow;
        int batch = cs.batch;
        // Problems of a batch get their own A and C; B is shared by all but the last to test both.
        float[] a = randomWithOutliers(rnd, la[3] * batch);
        float[] b = randomWithOutliers(rnd, lb[3] * 2);
        float[] bias = cs.bias ? randomWithOutliers(rnd, 2 + n * cs.biasStride) : null;
        int[] aOffsets = new int[batch];
        int[] bOffsets = new int[batch];
        int[] cOffsets = new int[batch];
        for (int t = 0; t < batch; t++) {
            aOffsets[t] = t * la[3] + la[0];
            bOffsets[t] = (t == batch - 1 && batch > 1 ? lb[3] : 0) + lb[0];
            cOffsets[t] = t * cItem + 3;
        }
        float[] c = new float[batch * cItem];
        Arrays.fill(c, SENTINEL);
        float[] cOld = randomWithOutliers(rnd, c.length);
        for (int t = 0; t < batch; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOffsets[t] + i * cRow + j;
                    c[ci] = cs.accumulate ? cOld[ci] : Float.NaN;
                }
            }
        }
        float[] before = c.clone();
        int biasOffset = 1;
        if (batch == 1) {
            Gemm.sgemm(tuning != null ? tuning : GemmTuning.current(), m, n, k, a, aOffsets[0], la[1], la[2], b,
                    bOffsets[0], lb[1], lb[2], c, cOffsets[0], cRow,
                    bias, biasOffset, cs.biasStride, cs.accumulate);
        } else {
            Gemm.sgemmBatched(batch, m, n, k, a, aOffsets, la[1], la[2], b, bOffsets, lb[1], lb[2], c, cOffsets, cRow,
                    bias, biasOffset, cs.biasStride, cs.accumulate);
        }

        int[] rows = cs.checkRows != null ? cs.checkRows : allRows(m);
        float[] expected = before.clone();
        float[] magnitude = new float[c.length];
        float[] aAbs = abs(a);
        float[] bAbs = abs(b);
        float[] biasAbs = bias == null ? null : abs(bias);
        float[] cAbs = abs(before);
        for (int t = 0; t < batch; t++) {
            for (int i : rows) {
                int aOff = aOffsets[t] + i * la[1];
                int cOff = cOffsets[t] + i * cRow;
                ReferenceGemm.sgemm(1, n, k, a, aOff, la[1], la[2], b, bOffsets[t], lb[1], lb[2], expected, cOff, cRow,
                        bias, biasOffset, cs.biasStride, cs.accumulate);
                System.arraycopy(cAbs, cOff, magnitude, cOff, n);
                ReferenceGemm.sgemm(1, n, k, aAbs, aOff, la[1], la[2], bAbs, bOffsets[t], lb[1], lb[2], magnitude, cOff,
                        cRow, biasAbs, biasOffset, cs.biasStride, cs.accumulate);
            }
        }
        compare(cs, c, before, expected, magnitude, rows, cOffsets, cRow);
    }

    private static int[] allRows(int m) {
        int[] rows = new int[m];
        for (int i = 0; i < m; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** Rows 0-6, every 16th row, and the last 9: covers the first, interior and ragged last row panels. */
    static int[] sampledRows(int m) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int i = 0; i < Math.min(m, 7); i++) {
            set.add(i);
        }
        for (int i = 0; i < m; i += 16) {
            set.add(i);
        }
        for (int i = Math.max(0, m - 9); i < m; i++) {
            set.add(i);
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void compare(Case cs, float[] actual, float[] before, float[] expected, float[] magnitude,
                                int[] rows, int[] cOffsets, int cRow) {
        boolean[] inView = new boolean[actual.length];
        boolean[] checked = new boolean[actual.length];
        for (int t = 0; t < cs.batch; t++) {
            for (int i = 0; i < cs.m; i++) {
                Arrays.fill(inView, cOffsets[t] + i * cRow, cOffsets[t] + i * cRow + cs.n, true);
            }
            for (int i : rows) {
                Arrays.fill(checked, cOffsets[t] + i * cRow, cOffsets[t] + i * cRow + cs.n, true);
            }
        }
        int mismatches = 0;
        int worst = -1;
        double worstRatio = 0;
        for (int x = 0; x < actual.length; x++) {
            if (!inView[x]) {
                if (Float.floatToRawIntBits(actual[x]) != Float.floatToRawIntBits(before[x])) {
                    fail(cs + ": wrote outside C's view at index " + x + " (" + before[x] + " -> " + actual[x] + ")");
                }
                continue;
            }
            if (!checked[x]) {
                continue;
            }
            double tol = ATOL_FACTOR * Math.sqrt(cs.k + 2.0) * U * magnitude[x] + RTOL * Math.abs(expected[x]);
            double err = Math.abs((double) actual[x] - expected[x]);
            double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / Math.max(tol, Double.MIN_NORMAL);
            if (ratio > 1.0) {
                mismatches++;
            }
            if (ratio > worstRatio || worst < 0) {
                worstRatio = ratio;
                worst = x;
            }
        }
        if (mismatches > 0) {
            int t = 0;
            while (t + 1 < cs.batch && cOffsets[t + 1] <= worst) {
                t++;
            }
            int rel = worst - cOffsets[t];
            fail(String.format("%s: %d mismatches; worst at item %d [i=%d, j=%d]: expected %.9g, actual %.9g, "
                    + "|diff| %.3g is %.3g x the tolerance", cs, mismatches, t, rel / cRow, rel % cRow,
                    expected[worst], actual[worst], Math.abs((double) actual[worst] - expected[worst]), worstRatio));
        }
    }

    private static int[] edges(int size) {
        return new int[] {size - 1, size, size + 1};
    }

    @Test
    void awkwardSizesMatchReference() {
        int[] sizes = {1, 7, 33, 197};
        for (int m : sizes) {
            for (int n : sizes) {
                for (int k : sizes) {
                    check(new Case("sgemm", m, n, k, View.ROW_MAJOR, View.ROW_MAJOR, (m + n + k) % 2 == 0,
                            (m * n * k) % 3 == 0));
                }
            }
        }
    }

    @Test
    void tileEdgesMatchReference() {
        // Sizes one off every block edge the kernel uses, read from its own blocking.
        List<Case> cases = new ArrayList<>();
        for (int n : new int[] {48, 96, 64}) {
            int[] blk = Gemm.blocking(GemmTuning.DEFAULT, 1000, n, 100, 100, 1);
            int mr = blk[0];
            int nr = blk[1];
            for (int m : edges(mr)) {
                for (int nn : edges(nr)) {
                    cases.add(new Case("sgemm", m, nn, 19, View.ROW_MAJOR, View.ROW_MAJOR, true, false));
                    cases.add(new Case("sgemm", 2 * m + 1, 2 * nn, 31, View.TRANSPOSED, View.TRANSPOSED, false, true));
                }
            }
            for (int nn : edges(2 * nr)) {
                cases.add(new Case("sgemm", 11, nn, 9, View.ROW_MAJOR, View.TRANSPOSED, true, false));
            }
        }
        // Vector edges inside a panel: one column more or less than whole vectors.
        int lanes = GemmKernels.L;
        for (int nn : new int[] {lanes - 1, lanes + 1, 2 * lanes + 1, 3 * lanes - 1}) {
            cases.add(new Case("sgemm", 9, nn, 17, View.ROW_MAJOR, View.ROW_MAJOR, true, true));
        }
        // Depth strips: K one off the deepest strip of each tile shape.
        for (int n : new int[] {48, 50}) {
            int kc = Gemm.blocking(GemmTuning.DEFAULT, 100, n, 100_000, 100_000, 1)[2];
            for (int k : edges(kc)) {
                cases.add(new Case("sgemm", 13, n, k, View.ROW_MAJOR, View.ROW_MAJOR, true, false));
                cases.add(new Case("sgemm", 13, n, k, View.TRANSPOSED, View.TRANSPOSED, false, true));
            }
            for (int k : edges(2 * kc)) {
                cases.add(new Case("sgemm", 6, n, k, View.TRANSPOSED, View.ROW_MAJOR, true, false));
            }
        }
        // Column blocks (NC) and packed-A row blocks (MC): one off each, with a short K so it stays quick.
        for (int n : new int[] {48, 50}) {
            int[] blk = Gemm.blocking(GemmTuning.DEFAULT, 100_000, n, 700, 1, 100_000);
            int nc = blk[4];
            for (int nn : edges(nc)) {
                cases.add(new Case("sgemm", 9, nn, 700, View.ROW_MAJOR, View.ROW_MAJOR, true, false));
            }
            int mc = blk[3];
            for (int mm : edges(mc)) {
                cases.add(new Case("sgemm", mm, n, 700, View.TRANSPOSED, View.ROW_MAJOR, false, true));
            }
        }
        cases.forEach(GemmParityTest::check);
    }

    @Test
    void allTranspositionsMatchReference() {
        View[] views = {View.ROW_MAJOR, View.TRANSPOSED};
        for (View av : views) {
            for (View bv : views) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    check(new Case("sgemm", 197, 97, 65, av, bv, !accumulate, accumulate));
                    check(new Case("sgemm", 64, 96, 300, av, bv, accumulate, accumulate));
                    // Deep enough for a transposed A to be packed, in two strips.
                    check(new Case("sgemm", 21, 40, 1100, av, bv, true, accumulate));
                }
            }
        }
    }

    @Test
    void stridedAndBroadcastViewsMatchReference() {
        View[] views = View.values();
        for (View av : views) {
            for (View bv : views) {
                check(new Case("sgemm", 23, 37, 41, av, bv, true, 2, false, 1, null));
                check(new Case("sgemm", 12, 50, 29, av, bv, true, 0, true, 1, null));
            }
        }
        // A padded, transposed-B product large enough to run on every pool thread.
        check(new Case("sgemm", 150, 200, 120, View.PADDED, View.TRANSPOSED, true, 3, true, 1, null));
    }

    @Test
    void zeroDepthGivesBiasOrKeepsC() {
        for (boolean accumulate : new boolean[] {false, true}) {
            check(new Case("sgemm", 5, 9, 0, View.ROW_MAJOR, View.ROW_MAJOR, true, accumulate));
            check(new Case("sgemm", 5, 9, 0, View.ROW_MAJOR, View.ROW_MAJOR, false, accumulate));
        }
    }

    @Test
    void threadSplitsMatchReference() {
        // Big enough for the pool: split by column panels (N >= M), and by row panels (M >> N).
        check(new Case("sgemm", 300, 500, 200, View.ROW_MAJOR, View.ROW_MAJOR, true, false));
        check(new Case("sgemm", 1000, 40, 100, View.ROW_MAJOR, View.TRANSPOSED, true, true));
        check(new Case("sgemm", 999, 48, 100, View.TRANSPOSED, View.ROW_MAJOR, false, false));
    }

    @Test
    void batchedMatchesReference() {
        // Few small items, many small items (spread over threads), and a few large ones (split inside).
        check(new Case("sgemmBatched", 7, 33, 19, View.ROW_MAJOR, View.TRANSPOSED, true, 1, false, 3, null));
        check(new Case("sgemmBatched", 50, 32, 47, View.ROW_MAJOR, View.ROW_MAJOR, false, 1, true, 64, null));
        check(new Case("sgemmBatched", 147, 50, 32, View.ROW_MAJOR, View.TRANSPOSED, false, 1, false, 16, null));
        check(new Case("sgemmBatched", 200, 96, 100, View.TRANSPOSED, View.ROW_MAJOR, true, 1, true, 3, null));
        check(new Case("sgemmBatched", 1, 1, 1, View.BROADCAST_ROWS, View.PADDED, true, 1, false, 5, null));
    }

    @Test
    void vitQkvShapeMatchesReference() {
        // x [3200, 768] · W_qkv^T, W_qkv [2304, 768] (a Linear layer): sampled rows, every column.
        check(new Case("sgemm", 3200, 2304, 768, View.ROW_MAJOR, View.TRANSPOSED, true, 1, false, 1,
                sampledRows(3200)));
    }

    @Test
    void vitMlpShapeMatchesReference() {
        // h [3200, 768] · W1 [768, 3072] row-major: sampled rows, every column.
        check(new Case("sgemm", 3200, 3072, 768, View.ROW_MAJOR, View.ROW_MAJOR, true, 1, false, 1,
                sampledRows(3200)));
    }

    @Test
    void smallDeepProductsMatchReference() {
        // C of at most 32 rows by one vector over a deep K (GemmDeep.smallDeep, rows in groups of 8):
        // every A view, B in place (row-major, padded, one row broadcast) or transposed (the blocked
        // path), K one past a strip edge, a last group of 1 row, and CrossMAE's inter-block attention
        // weight gradient (7 x 4 over 319488).
        int[][] sizes = {{1, 1, 4096}, {7, 4, 4097}, {8, 16, 6000}, {3, 5, 20000}, {8, 15, 4609}, {9, 13, 4097},
            {17, 7, 4096}, {32, 16, 4609}};
        View[] bViews = {View.ROW_MAJOR, View.PADDED, View.BROADCAST_ROWS, View.TRANSPOSED};
        for (int[] s : sizes) {
            for (View aView : new View[] {View.ROW_MAJOR, View.TRANSPOSED, View.PADDED, View.BROADCAST_COLS}) {
                for (View bView : bViews) {
                    boolean odd = (s[0] + s[1] + aView.ordinal() + bView.ordinal()) % 2 == 1;
                    check(new Case("sgemm", s[0], s[1], s[2], aView, bView, odd, !odd));
                }
            }
        }
        check(new Case("sgemm", 7, 4, 319488, View.TRANSPOSED, View.ROW_MAJOR, false, false));
        check(new Case("sgemm", 4, 7, 319488, View.TRANSPOSED, View.ROW_MAJOR, true, true));
    }

    @Test
    void weightGradientShapeMatchesReference() {
        // dW = dY^T · X with dY [3200, 768], X [3200, 768]: A transposed, K = 3200, accumulated into dW.
        check(new Case("sgemm", 768, 768, 3200, View.TRANSPOSED, View.ROW_MAJOR, false, 1, true, 1,
                sampledRows(768)));
    }
}
