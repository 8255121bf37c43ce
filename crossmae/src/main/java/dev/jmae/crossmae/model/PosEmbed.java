package dev.jmae.crossmae.model;

/**
 * The fixed 2-D sine-cosine positional table of MAE and CrossMAE (docs/model.md §5), computed in
 * double and rounded to float once.
 *
 * <p>For width D (divisible by 4) and grid side g: q = D/4, ω_k = 1/10000^(k/q); the 1-D code of
 * a position t is [sin(t·ω_0..q-1), cos(t·ω_0..q-1)]; patch (r, c) gets [code(c), code(r)]: the
 * <b>column</b> first, despite the official code's "h then w" names. Row 0 is the cls slot and is
 * all zeros; row l+1 belongs to patch l = r·g + c.
 *
 * <p>{@link #resize} carries a table to another grid as the official {@code interpolate_pos_embed}
 * does when fine-tuning at another resolution.
 */
public final class PosEmbed {

    private PosEmbed() {
    }

    /**
     * The table with the cls row.
     *
     * @param dim D, divisible by 4
     * @param gridSize g
     * @return (g²+1)·D values, row-major [g²+1, D]
     * @throws IllegalArgumentException if D is not divisible by 4
     */
    public static float[] sincos2d(int dim, int gridSize) {
        if (dim % 4 != 0) {
            throw new IllegalArgumentException("PosEmbed.sincos2d: the width must be divisible by 4, got " + dim);
        }
        int q = dim / 4;
        int l = gridSize * gridSize;
        float[] table = new float[(l + 1) * dim];
        double[] omega = new double[q];
        for (int k = 0; k < q; k++) {
            omega[k] = 1.0 / Math.pow(10000.0, (double) k / q);
        }
        for (int r = 0; r < gridSize; r++) {
            for (int c = 0; c < gridSize; c++) {
                int base = (1 + r * gridSize + c) * dim;
                for (int k = 0; k < q; k++) {
                    table[base + k] = (float) Math.sin(c * omega[k]);
                    table[base + q + k] = (float) Math.cos(c * omega[k]);
                    table[base + 2 * q + k] = (float) Math.sin(r * omega[k]);
                    table[base + 3 * q + k] = (float) Math.cos(r * omega[k]);
                }
            }
        }
        return table;
    }

    /**
     * Resizes a positional table to another grid (util/pos_embed.py {@code interpolate_pos_embed}):
     * the cls row is kept, the patch rows are read as a [D, g0, g0] image (row r, column c from
     * row 1 + r·g0 + c) and resized bicubically to [D, g, g] as
     * {@code F.interpolate(mode='bicubic', align_corners=False)} does (PyTorch's cubic convolution
     * with A = −0.75, source coordinate (dst + ½)·g0/g − ½, taps clamped at the borders), then
     * written back in raster order. Computed in double, rounded to float once.
     *
     * @param table [(g0² + 1)·D] row-major, row 0 the cls row
     * @param dim D
     * @param fromGrid g0
     * @param toGrid g
     * @return [(g² + 1)·D]; the same values when g = g0
     * @throws IllegalArgumentException if the table does not hold g0² + 1 rows of D, or a size is not positive
     */
    public static float[] resize(float[] table, int dim, int fromGrid, int toGrid) {
        if (dim < 1 || fromGrid < 1 || toGrid < 1 || table.length != (fromGrid * fromGrid + 1) * dim) {
            throw new IllegalArgumentException(
                    "PosEmbed.resize: expected a table of " + fromGrid + "x" + fromGrid + " + 1 rows of "
                            + dim + " (" + ((fromGrid * fromGrid + 1) * dim) + " values), got " + table.length
                            + " values, target grid "
                            + toGrid);
        }
        float[] out = new float[(toGrid * toGrid + 1) * dim];
        System.arraycopy(table, 0, out, 0, dim);
        if (toGrid == fromGrid) {
            System.arraycopy(table, dim, out, dim, table.length - dim);
            return out;
        }
        double scale = (double) fromGrid / toGrid;
        int[][] taps = new int[toGrid][4];
        double[][] weights = new double[toGrid][];
        for (int o = 0; o < toGrid; o++) {
            double real = scale * (o + 0.5) - 0.5;
            int base = (int) Math.floor(real);
            weights[o] = cubicWeights(real - base);
            for (int k = 0; k < 4; k++) {
                taps[o][k] = Math.max(0, Math.min(fromGrid - 1, base - 1 + k));
            }
        }
        for (int y = 0; y < toGrid; y++) {
            for (int x = 0; x < toGrid; x++) {
                int dst = (1 + y * toGrid + x) * dim;
                for (int d = 0; d < dim; d++) {
                    double v = 0;
                    for (int i = 0; i < 4; i++) {
                        double row = 0;
                        for (int j = 0; j < 4; j++) {
                            row += weights[x][j] * table[(1 + taps[y][i] * fromGrid + taps[x][j]) * dim + d];
                        }
                        v += weights[y][i] * row;
                    }
                    out[dst + d] = (float) v;
                }
            }
        }
        return out;
    }

    /** PyTorch's get_cubic_upsample_coefficients: the 4 tap weights at fractional offset t, A = −0.75. */
    private static double[] cubicWeights(double t) {
        double a = -0.75;
        return new double[] {cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)};
    }

    /** Cubic convolution for |x| ≤ 1: ((A + 2)x − (A + 3))x² + 1. */
    private static double cubic1(double x, double a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    /** Cubic convolution for 1 &lt; |x| &lt; 2: ((Ax − 5A)x + 8A)x − 4A. */
    private static double cubic2(double x, double a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}
