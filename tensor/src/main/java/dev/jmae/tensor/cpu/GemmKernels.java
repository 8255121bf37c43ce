package dev.jmae.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked micro-kernels of {@link Gemm}: each computes one tile of R rows by V
 * vectors of C from a K-long strip of A and a K-long strip of B, keeping all R*V partial sums in
 * registers, with float32 FMA in order p = 0..kc-1.
 *
 * <p>Arguments shared by every kernel:
 * <ul>
 *   <li>{@code kc}: the depth K of the strip;</li>
 *   <li>A element (r, p) is {@code a[aBase + r*aRow + p*aStep]}: a packed micro-panel
 *       (aRow 1, aStep R), a row-major A read in place (aRow = row stride, aStep 1) or a
 *       transposed A read in place (aRow 1, aStep = column stride). Rows past {@code rows} must
 *       still be readable (callers pass a zero-padded packed panel at the bottom edge);</li>
 *   <li>B element (p, j) is {@code b[bBase + p*V*L + j]} for j &lt; V*L, with L lanes per
 *       vector: a k-major packed panel, zero-padded past {@code cols};</li>
 *   <li>C element (r, j) is {@code c[cBase + r*ldc + j]}; only r &lt; rows and j &lt; cols are
 *       stored; when cols is not a whole number of vectors, the last, partial vector of row r is
 *       written whole to {@code tail[r*L ...]} (length at least R*L) and the caller finishes it
 *       with {@link #mergeTail};</li>
 *   <li>{@code accumulate}: false overwrites C, true adds the tile to it;</li>
 *   <li>{@code bias}: null, or a packed bias row added once, at {@code bias[biasBase + j]},
 *       readable (zero-padded) up to V*L.</li>
 * </ul>
 * The tile is stored as (sum + bias) + C, the order of {@code ReferenceGemm}.
 *
 * <p>The kernels are written out per shape because C2 keeps the accumulators in registers only
 * when they are separate locals: the inner loop compiles (JDK 25, AVX-512) to R*V FMAs, V vector
 * loads of B and R broadcasts of A from memory, plus a fused compare-and-branch bounds check per
 * load that C2 does not hoist (A's step is a variable) and a few integer adds; on a Zen 4 core the
 * 5x3 kernel runs at about 97% of the FMA peak with its operands in L1/L2. 5x3 (15 accumulators)
 * and 8x2 (16) leave room for the B vectors and the broadcast in the 32 vector registers of
 * AVX-512; 8x3 spills (see docs/cpu-performance.md). 8x1 serves the last, partial column panel of
 * an 8x2 product (5x3 is only used when every panel is whole).
 */
final class GemmKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private GemmKernels() {
    }

    /**
     * Stores one accumulator vector: (acc + bias) + C when accumulating, else acc + bias. A partial
     * last vector (0 &lt; colsLeft &lt; L) goes whole to {@code tail} instead, for {@link #mergeTail}:
     * masked vector stores measured about 30 ns each here on Zen 4 (a 147 x 50 x 32 product took
     * 1.7x as long as a 147 x 64 x 32 one), far more than a scalar loop over the few columns.
     */
    private static void put(FloatVector acc, float[] c, int off, int colsLeft,
                            boolean accumulate, float[] bias, int biasOff, float[] tail, int tailOff) {
        if (colsLeft >= L) {
            FloatVector v = acc;
            if (bias != null) {
                v = v.add(FloatVector.fromArray(S, bias, biasOff));
            }
            if (accumulate) {
                v = v.add(FloatVector.fromArray(S, c, off));
            }
            v.intoArray(c, off);
        } else if (colsLeft > 0) {
            acc.intoArray(tail, tailOff);
        }
    }

    /**
     * Finishes a tile whose last vector was partial: C[r, j] for r &lt; rows and the last
     * {@code cols % L} columns j &lt; cols, from {@code tail} (row r at r*L), with the same
     * (sum + bias) + C order as the vector stores.
     */
    static void mergeTail(float[] tail, float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase) {
        int first = cols / L * L;
        int count = cols - first;
        for (int r = 0; r < rows; r++) {
            int o = cBase + r * ldc + first;
            for (int j = 0; j < count; j++) {
                float v = tail[r * L + j];
                if (bias != null) {
                    v += bias[biasBase + first + j];
                }
                if (accumulate) {
                    v += c[o + j];
                }
                c[o + j] = v;
            }
        }
    }

    /** 5 rows x 3 vectors (15 accumulators): see the class comment for the arguments. */
    static void kernel5x3(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tail) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int a4 = a3 + aRow;
        for (int p = 0; p < kc; p++) {
            int ap = p * aStep;
            int bp = bBase + p * 3 * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
        }
        int o = cBase;
        put(c00, c, o, cols, accumulate, bias, biasBase, tail, 0);
        put(c01, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 0);
        put(c02, c, o + 2 * L, cols - 2 * L, accumulate, bias, biasBase + 2 * L, tail, 0);
        if (rows <= 1) {
            return;
        }
        o += ldc;
        put(c10, c, o, cols, accumulate, bias, biasBase, tail, L);
        put(c11, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, L);
        put(c12, c, o + 2 * L, cols - 2 * L, accumulate, bias, biasBase + 2 * L, tail, L);
        if (rows <= 2) {
            return;
        }
        o += ldc;
        put(c20, c, o, cols, accumulate, bias, biasBase, tail, 2 * L);
        put(c21, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 2 * L);
        put(c22, c, o + 2 * L, cols - 2 * L, accumulate, bias, biasBase + 2 * L, tail, 2 * L);
        if (rows <= 3) {
            return;
        }
        o += ldc;
        put(c30, c, o, cols, accumulate, bias, biasBase, tail, 3 * L);
        put(c31, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 3 * L);
        put(c32, c, o + 2 * L, cols - 2 * L, accumulate, bias, biasBase + 2 * L, tail, 3 * L);
        if (rows <= 4) {
            return;
        }
        o += ldc;
        put(c40, c, o, cols, accumulate, bias, biasBase, tail, 4 * L);
        put(c41, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 4 * L);
        put(c42, c, o + 2 * L, cols - 2 * L, accumulate, bias, biasBase + 2 * L, tail, 4 * L);
    }

    /** 8 rows x 2 vectors (16 accumulators): see the class comment for the arguments. */
    static void kernel8x2(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tail) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int a4 = a3 + aRow;
        int a5 = a4 + aRow;
        int a6 = a5 + aRow;
        int a7 = a6 + aRow;
        for (int p = 0; p < kc; p++) {
            int ap = p * aStep;
            int bp = bBase + p * 2 * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + ap]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + ap]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        int o = cBase;
        put(c00, c, o, cols, accumulate, bias, biasBase, tail, 0);
        put(c01, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 0);
        if (rows <= 1) {
            return;
        }
        o += ldc;
        put(c10, c, o, cols, accumulate, bias, biasBase, tail, L);
        put(c11, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, L);
        if (rows <= 2) {
            return;
        }
        o += ldc;
        put(c20, c, o, cols, accumulate, bias, biasBase, tail, 2 * L);
        put(c21, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 2 * L);
        if (rows <= 3) {
            return;
        }
        o += ldc;
        put(c30, c, o, cols, accumulate, bias, biasBase, tail, 3 * L);
        put(c31, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 3 * L);
        if (rows <= 4) {
            return;
        }
        o += ldc;
        put(c40, c, o, cols, accumulate, bias, biasBase, tail, 4 * L);
        put(c41, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 4 * L);
        if (rows <= 5) {
            return;
        }
        o += ldc;
        put(c50, c, o, cols, accumulate, bias, biasBase, tail, 5 * L);
        put(c51, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 5 * L);
        if (rows <= 6) {
            return;
        }
        o += ldc;
        put(c60, c, o, cols, accumulate, bias, biasBase, tail, 6 * L);
        put(c61, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 6 * L);
        if (rows <= 7) {
            return;
        }
        o += ldc;
        put(c70, c, o, cols, accumulate, bias, biasBase, tail, 7 * L);
        put(c71, c, o + L, cols - L, accumulate, bias, biasBase + L, tail, 7 * L);
    }

    /** 8 rows x 1 vector (8 accumulators): see the class comment for the arguments. */
    static void kernel8x1(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tail) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int a4 = a3 + aRow;
        int a5 = a4 + aRow;
        int a6 = a5 + aRow;
        int a7 = a6 + aRow;
        for (int p = 0; p < kc; p++) {
            int ap = p * aStep;
            int bp = bBase + p * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, a[a6 + ap]);
            c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, a[a7 + ap]);
            c70 = x.fma(b0, c70);
        }
        int o = cBase;
        put(c00, c, o, cols, accumulate, bias, biasBase, tail, 0);
        if (rows <= 1) {
            return;
        }
        o += ldc;
        put(c10, c, o, cols, accumulate, bias, biasBase, tail, L);
        if (rows <= 2) {
            return;
        }
        o += ldc;
        put(c20, c, o, cols, accumulate, bias, biasBase, tail, 2 * L);
        if (rows <= 3) {
            return;
        }
        o += ldc;
        put(c30, c, o, cols, accumulate, bias, biasBase, tail, 3 * L);
        if (rows <= 4) {
            return;
        }
        o += ldc;
        put(c40, c, o, cols, accumulate, bias, biasBase, tail, 4 * L);
        if (rows <= 5) {
            return;
        }
        o += ldc;
        put(c50, c, o, cols, accumulate, bias, biasBase, tail, 5 * L);
        if (rows <= 6) {
            return;
        }
        o += ldc;
        put(c60, c, o, cols, accumulate, bias, biasBase, tail, 6 * L);
        if (rows <= 7) {
            return;
        }
        o += ldc;
        put(c70, c, o, cols, accumulate, bias, biasBase, tail, 7 * L);
    }
}
