package dev.jmae.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

// spotless:off: register tiles and packing loops are laid out by hand, a statement per lane or vector
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
 *       stored. The 5x3 and 8x2 kernels finish a full tile in registers (bias and C added there,
 *       in finishTile's order); a partial tile, and every 8x1 tile but a full one without bias or
 *       accumulation, is spilled to {@code tile} (length at least R*V*L) and finished by
 *       {@link #finishTile};</li>
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
 * an 8x2 product (5x3 is only used when every panel is whole). 6x4 (24 accumulators, fewer loads
 * per FMA, for cores with two FMA units), 4x4 and 6x2 (12 accumulators, for the 16 registers of
 * AVX2) are the other wide tiles {@link GemmTuning} chooses from; like 5x3 they run only products
 * whose N is a whole number of their panels. They were generated from one template, so they differ
 * only in R and V.
 */
final class GemmKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private GemmKernels() {
    }

    /**
     * Finishes a spilled tile: C[r, j] = (tile[r, j] + bias[j]) (+ C[r, j] when accumulating) for
     * r &lt; rows, j &lt; cols, vectors for whole vectors and scalars for a ragged last one. Masked
     * vector stores measured about 30 ns each here on Zen 4, far more than this scalar tail; and
     * passing accumulator vectors to a store method instead made C2 box them once the large
     * kernels stopped inlining it.
     *
     * @param tile the spilled accumulators, row r at r·width
     * @param width the tile's row length in floats
     */
    static void finishTile(float[] tile, int width, float[] c, int cBase, int ldc, int rows, int cols,
                           boolean accumulate, float[] bias, int biasBase) {
        int vecCols = cols / L * L;
        for (int r = 0; r < rows; r++) {
            int t = r * width;
            int o = cBase + r * ldc;
            int j = 0;
            for (; j < vecCols; j += L) {
                FloatVector v = FloatVector.fromArray(S, tile, t + j);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, biasBase + j));
                }
                if (accumulate) {
                    v = v.add(FloatVector.fromArray(S, c, o + j));
                }
                v.intoArray(c, o + j);
            }
            for (; j < cols; j++) {
                float v = tile[t + j];
                if (bias != null) {
                    v += bias[biasBase + j];
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
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
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
        if (rows == 5 && cols == 3 * L) {
            // a full tile: bias and C added in registers, (sum + bias) + C as finishTile does
            if (bias != null) {
                FloatVector v0 = FloatVector.fromArray(S, bias, biasBase);
                FloatVector v1 = FloatVector.fromArray(S, bias, biasBase + L);
                FloatVector v2 = FloatVector.fromArray(S, bias, biasBase + 2 * L);
                c00 = c00.add(v0); c01 = c01.add(v1); c02 = c02.add(v2);
                c10 = c10.add(v0); c11 = c11.add(v1); c12 = c12.add(v2);
                c20 = c20.add(v0); c21 = c21.add(v1); c22 = c22.add(v2);
                c30 = c30.add(v0); c31 = c31.add(v1); c32 = c32.add(v2);
                c40 = c40.add(v0); c41 = c41.add(v1); c42 = c42.add(v2);
            }
            if (accumulate) {
                int o = cBase;
                c00 = c00.add(FloatVector.fromArray(S, c, o)); c01 = c01.add(FloatVector.fromArray(S, c, o + L));
                c02 = c02.add(FloatVector.fromArray(S, c, o + 2 * L));
                o += ldc;
                c10 = c10.add(FloatVector.fromArray(S, c, o)); c11 = c11.add(FloatVector.fromArray(S, c, o + L));
                c12 = c12.add(FloatVector.fromArray(S, c, o + 2 * L));
                o += ldc;
                c20 = c20.add(FloatVector.fromArray(S, c, o)); c21 = c21.add(FloatVector.fromArray(S, c, o + L));
                c22 = c22.add(FloatVector.fromArray(S, c, o + 2 * L));
                o += ldc;
                c30 = c30.add(FloatVector.fromArray(S, c, o)); c31 = c31.add(FloatVector.fromArray(S, c, o + L));
                c32 = c32.add(FloatVector.fromArray(S, c, o + 2 * L));
                o += ldc;
                c40 = c40.add(FloatVector.fromArray(S, c, o)); c41 = c41.add(FloatVector.fromArray(S, c, o + L));
                c42 = c42.add(FloatVector.fromArray(S, c, o + 2 * L));
            }
            int o = cBase;
            c00.intoArray(c, o); c01.intoArray(c, o + L); c02.intoArray(c, o + 2 * L);
            o += ldc;
            c10.intoArray(c, o); c11.intoArray(c, o + L); c12.intoArray(c, o + 2 * L);
            o += ldc;
            c20.intoArray(c, o); c21.intoArray(c, o + L); c22.intoArray(c, o + 2 * L);
            o += ldc;
            c30.intoArray(c, o); c31.intoArray(c, o + L); c32.intoArray(c, o + 2 * L);
            o += ldc;
            c40.intoArray(c, o); c41.intoArray(c, o + L); c42.intoArray(c, o + 2 * L);
            return;
        }
        // general case: spill the tile, then add bias and C from memory (no vector crosses a call)
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L); c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, 3 * L); c11.intoArray(tile, 4 * L); c12.intoArray(tile, 5 * L);
        c20.intoArray(tile, 6 * L); c21.intoArray(tile, 7 * L); c22.intoArray(tile, 8 * L);
        c30.intoArray(tile, 9 * L); c31.intoArray(tile, 10 * L); c32.intoArray(tile, 11 * L);
        c40.intoArray(tile, 12 * L); c41.intoArray(tile, 13 * L); c42.intoArray(tile, 14 * L);
        finishTile(tile, 3 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }

    /** 8 rows x 2 vectors (16 accumulators): see the class comment for the arguments. */
    static void kernel8x2(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
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
        if (rows == 8 && cols == 2 * L) {
            // a full tile: bias and C added in registers, (sum + bias) + C as finishTile does
            if (bias != null) {
                FloatVector v0 = FloatVector.fromArray(S, bias, biasBase);
                FloatVector v1 = FloatVector.fromArray(S, bias, biasBase + L);
                c00 = c00.add(v0); c01 = c01.add(v1);
                c10 = c10.add(v0); c11 = c11.add(v1);
                c20 = c20.add(v0); c21 = c21.add(v1);
                c30 = c30.add(v0); c31 = c31.add(v1);
                c40 = c40.add(v0); c41 = c41.add(v1);
                c50 = c50.add(v0); c51 = c51.add(v1);
                c60 = c60.add(v0); c61 = c61.add(v1);
                c70 = c70.add(v0); c71 = c71.add(v1);
            }
            if (accumulate) {
                int o = cBase;
                c00 = c00.add(FloatVector.fromArray(S, c, o)); c01 = c01.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c10 = c10.add(FloatVector.fromArray(S, c, o)); c11 = c11.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c20 = c20.add(FloatVector.fromArray(S, c, o)); c21 = c21.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c30 = c30.add(FloatVector.fromArray(S, c, o)); c31 = c31.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c40 = c40.add(FloatVector.fromArray(S, c, o)); c41 = c41.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c50 = c50.add(FloatVector.fromArray(S, c, o)); c51 = c51.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c60 = c60.add(FloatVector.fromArray(S, c, o)); c61 = c61.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c70 = c70.add(FloatVector.fromArray(S, c, o)); c71 = c71.add(FloatVector.fromArray(S, c, o + L));
            }
            int o = cBase;
            c00.intoArray(c, o); c01.intoArray(c, o + L);
            o += ldc;
            c10.intoArray(c, o); c11.intoArray(c, o + L);
            o += ldc;
            c20.intoArray(c, o); c21.intoArray(c, o + L);
            o += ldc;
            c30.intoArray(c, o); c31.intoArray(c, o + L);
            o += ldc;
            c40.intoArray(c, o); c41.intoArray(c, o + L);
            o += ldc;
            c50.intoArray(c, o); c51.intoArray(c, o + L);
            o += ldc;
            c60.intoArray(c, o); c61.intoArray(c, o + L);
            o += ldc;
            c70.intoArray(c, o); c71.intoArray(c, o + L);
            return;
        }
        // general case: spill the tile, then add bias and C from memory (no vector crosses a call)
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L); c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L); c71.intoArray(tile, 15 * L);
        finishTile(tile, 2 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }

    /** 6 rows x 4 vectors (24 accumulators): see the class comment for the arguments; always spills. */
    static void kernel6x4(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00;
        FloatVector c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00;
        FloatVector c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int a4 = a3 + aRow;
        int a5 = a4 + aRow;
        for (int p = 0; p < kc; p++) {
            int ap = p * aStep;
            int bp = bBase + p * 4 * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        // Every tile is spilled and finished from memory: with the full-tile epilogue in registers that
        // the smaller kernels have (24 more loads, 48 adds, 24 stores) this kernel ran about 40x slower
        // on JDK 25 (measured 2026-12-07: 754 ms instead of ~20 ms at 1024^3), as if C2 had given up on
        // keeping its vectors in registers (not diagnosed further); the spill costs 24 stores and loads.
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
        c40.intoArray(tile, 16 * L); c41.intoArray(tile, 17 * L); c42.intoArray(tile, 18 * L); c43.intoArray(tile, 19 * L);
        c50.intoArray(tile, 20 * L); c51.intoArray(tile, 21 * L); c52.intoArray(tile, 22 * L); c53.intoArray(tile, 23 * L);
        finishTile(tile, 4 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }

    /** 4 rows x 4 vectors (16 accumulators): see the class comment for the arguments. */
    static void kernel4x4(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00;
        FloatVector c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        for (int p = 0; p < kc; p++) {
            int ap = p * aStep;
            int bp = bBase + p * 4 * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        if (rows == 4 && cols == 4 * L) {
            // a full tile: bias and C added in registers, (sum + bias) + C as finishTile does
            if (bias != null) {
                FloatVector v0 = FloatVector.fromArray(S, bias, biasBase);
                FloatVector v1 = FloatVector.fromArray(S, bias, biasBase + L);
                FloatVector v2 = FloatVector.fromArray(S, bias, biasBase + 2 * L);
                FloatVector v3 = FloatVector.fromArray(S, bias, biasBase + 3 * L);
                c00 = c00.add(v0); c01 = c01.add(v1); c02 = c02.add(v2); c03 = c03.add(v3);
                c10 = c10.add(v0); c11 = c11.add(v1); c12 = c12.add(v2); c13 = c13.add(v3);
                c20 = c20.add(v0); c21 = c21.add(v1); c22 = c22.add(v2); c23 = c23.add(v3);
                c30 = c30.add(v0); c31 = c31.add(v1); c32 = c32.add(v2); c33 = c33.add(v3);
            }
            if (accumulate) {
                int o = cBase;
                c00 = c00.add(FloatVector.fromArray(S, c, o));
                c01 = c01.add(FloatVector.fromArray(S, c, o + L));
                c02 = c02.add(FloatVector.fromArray(S, c, o + 2 * L));
                c03 = c03.add(FloatVector.fromArray(S, c, o + 3 * L));
                o += ldc;
                c10 = c10.add(FloatVector.fromArray(S, c, o));
                c11 = c11.add(FloatVector.fromArray(S, c, o + L));
                c12 = c12.add(FloatVector.fromArray(S, c, o + 2 * L));
                c13 = c13.add(FloatVector.fromArray(S, c, o + 3 * L));
                o += ldc;
                c20 = c20.add(FloatVector.fromArray(S, c, o));
                c21 = c21.add(FloatVector.fromArray(S, c, o + L));
                c22 = c22.add(FloatVector.fromArray(S, c, o + 2 * L));
                c23 = c23.add(FloatVector.fromArray(S, c, o + 3 * L));
                o += ldc;
                c30 = c30.add(FloatVector.fromArray(S, c, o));
                c31 = c31.add(FloatVector.fromArray(S, c, o + L));
                c32 = c32.add(FloatVector.fromArray(S, c, o + 2 * L));
                c33 = c33.add(FloatVector.fromArray(S, c, o + 3 * L));
            }
            int o = cBase;
            c00.intoArray(c, o); c01.intoArray(c, o + L); c02.intoArray(c, o + 2 * L); c03.intoArray(c, o + 3 * L);
            o += ldc;
            c10.intoArray(c, o); c11.intoArray(c, o + L); c12.intoArray(c, o + 2 * L); c13.intoArray(c, o + 3 * L);
            o += ldc;
            c20.intoArray(c, o); c21.intoArray(c, o + L); c22.intoArray(c, o + 2 * L); c23.intoArray(c, o + 3 * L);
            o += ldc;
            c30.intoArray(c, o); c31.intoArray(c, o + L); c32.intoArray(c, o + 2 * L); c33.intoArray(c, o + 3 * L);
            return;
        }
        // general case: spill the tile, then add bias and C from memory (no vector crosses a call)
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
        finishTile(tile, 4 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }

    /** 6 rows x 2 vectors (12 accumulators): see the class comment for the arguments. */
    static void kernel6x2(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00;
        int a0 = aBase;
        int a1 = a0 + aRow;
        int a2 = a1 + aRow;
        int a3 = a2 + aRow;
        int a4 = a3 + aRow;
        int a5 = a4 + aRow;
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
        }
        if (rows == 6 && cols == 2 * L) {
            // a full tile: bias and C added in registers, (sum + bias) + C as finishTile does
            if (bias != null) {
                FloatVector v0 = FloatVector.fromArray(S, bias, biasBase);
                FloatVector v1 = FloatVector.fromArray(S, bias, biasBase + L);
                c00 = c00.add(v0); c01 = c01.add(v1);
                c10 = c10.add(v0); c11 = c11.add(v1);
                c20 = c20.add(v0); c21 = c21.add(v1);
                c30 = c30.add(v0); c31 = c31.add(v1);
                c40 = c40.add(v0); c41 = c41.add(v1);
                c50 = c50.add(v0); c51 = c51.add(v1);
            }
            if (accumulate) {
                int o = cBase;
                c00 = c00.add(FloatVector.fromArray(S, c, o));
                c01 = c01.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c10 = c10.add(FloatVector.fromArray(S, c, o));
                c11 = c11.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c20 = c20.add(FloatVector.fromArray(S, c, o));
                c21 = c21.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c30 = c30.add(FloatVector.fromArray(S, c, o));
                c31 = c31.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c40 = c40.add(FloatVector.fromArray(S, c, o));
                c41 = c41.add(FloatVector.fromArray(S, c, o + L));
                o += ldc;
                c50 = c50.add(FloatVector.fromArray(S, c, o));
                c51 = c51.add(FloatVector.fromArray(S, c, o + L));
            }
            int o = cBase;
            c00.intoArray(c, o); c01.intoArray(c, o + L);
            o += ldc;
            c10.intoArray(c, o); c11.intoArray(c, o + L);
            o += ldc;
            c20.intoArray(c, o); c21.intoArray(c, o + L);
            o += ldc;
            c30.intoArray(c, o); c31.intoArray(c, o + L);
            o += ldc;
            c40.intoArray(c, o); c41.intoArray(c, o + L);
            o += ldc;
            c50.intoArray(c, o); c51.intoArray(c, o + L);
            return;
        }
        // general case: spill the tile, then add bias and C from memory (no vector crosses a call)
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
        finishTile(tile, 2 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }

    /** 8 rows x 1 vector (8 accumulators): see the class comment for the arguments. */
    static void kernel8x1(int kc, float[] a, int aBase, int aRow, int aStep,
                          float[] b, int bBase,
                          float[] c, int cBase, int ldc, int rows, int cols,
                          boolean accumulate, float[] bias, int biasBase, float[] tile) {
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
        if (rows == 8 && cols == 1 * L && bias == null && !accumulate) {
            int o = cBase;
            c00.intoArray(c, o);
            o += ldc;
            c10.intoArray(c, o);
            o += ldc;
            c20.intoArray(c, o);
            o += ldc;
            c30.intoArray(c, o);
            o += ldc;
            c40.intoArray(c, o);
            o += ldc;
            c50.intoArray(c, o);
            o += ldc;
            c60.intoArray(c, o);
            o += ldc;
            c70.intoArray(c, o);
            return;
        }
        // general case: spill the tile, then add bias and C from memory (no vector crosses a call)
        c00.intoArray(tile, 0 * L);
        c10.intoArray(tile, 1 * L);
        c20.intoArray(tile, 2 * L);
        c30.intoArray(tile, 3 * L);
        c40.intoArray(tile, 4 * L);
        c50.intoArray(tile, 5 * L);
        c60.intoArray(tile, 6 * L);
        c70.intoArray(tile, 7 * L);
        finishTile(tile, 1 * L, c, cBase, ldc, rows, cols, accumulate, bias, biasBase);
    }
}
// spotless:on
