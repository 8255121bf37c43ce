package dev.jmae.crossmae.model;

/**
 * The fixed 2-D sine-cosine positional table of MAE and CrossMAE (docs/model.md §5), computed in
 * double and rounded to float once.
 *
 * <p>For width D (divisible by 4) and grid side g: q = D/4, ω_k = 1/10000^(k/q); the 1-D code of
 * a position t is [sin(t·ω_0..q-1), cos(t·ω_0..q-1)]; patch (r, c) gets [code(c), code(r)]: the
 * <b>column</b> first, despite the official code's "h then w" names. Row 0 is the cls slot and is
 * all zeros; row l+1 belongs to patch l = r·g + c.
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
}
