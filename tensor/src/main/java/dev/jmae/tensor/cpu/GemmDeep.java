package dev.jmae.tensor.cpu;

import static dev.jmae.tensor.cpu.GemmKernels.L;
import static dev.jmae.tensor.cpu.GemmKernels.S;

import jdk.incubator.vector.FloatVector;

/**
 * The paths of {@link Gemm} for products whose K spans several strips and whose C is small, where
 * the blocked path would leave the pool idle or pack more than it computes: the strips' sums are
 * computed apart, spread over the pool, and added into C in order afterwards. They cut K into the
 * same strips as {@link Gemm#blocked} ({@link Gemm#strips}) and form every strip sum as the same
 * FMA chain over the depths in order, so they give its bits exactly (GemmSmallDeepTest,
 * GemmDeepStripsTest); {@link Gemm} routes products here.
 */
final class GemmDeep {

    /**
     * Most rows of C for the deep-and-small path ({@link #smallDeep}), in groups of
     * {@value #SMALL_DEEP_GROUP_ROWS}: the blocked path would run such a C (one column panel, fewer
     * than 2 x {@value Gemm#MIN_TASK_ROWS} rows) as one task on one thread.
     */
    static final int SMALL_DEEP_MAX_ROWS = 32;
    /** Rows of C per accumulator group of {@link #smallDeep}: one vector accumulator each, as the 8x1 tile. */
    static final int SMALL_DEEP_GROUP_ROWS = 8;
    /** Fewest depths for the deep-and-small path; shallower small products keep the blocked path. */
    static final int SMALL_DEEP_MIN_K = 4096;
    /** Most floats of strip sums (strips x M x N) for {@link #deepStrips}: 8 MiB. */
    static final int DEEP_MAX_FLOATS = 1 << 21;
    /**
     * Deepest strip at which {@link #deepStrips} reads a transposed A in place: a panel then
     * touches one or two cache lines per depth, 32 KiB at 512 depths, which stays in L1 while the
     * panel runs against the strip's B panels; deeper strips (the 5x3 tile's 800) pack A.
     */
    static final int DEEP_IN_PLACE_TRANSPOSED_K = 512;
    /** Fewest K strips for {@link #deepStrips}. */
    static final int DEEP_MIN_STRIPS = 4;

    private GemmDeep() {
    }

    /**
     * The product when C is at most 32 rows by one vector and K is deep: the weight gradient of a
     * layer with few inputs and outputs over many tokens, such as CrossMAE's inter-block attention
     * weights (7 x 4 over K = 128 * 13 * 192 = 319488 per step on the Fashion-MNIST preset of the
     * time, 12 x 13 over K = 16 * 50 * 384 = 307200 on ViT-S/16 at batch 16). The blocked path would
     * pack an A strip and a B panel for every 512 depths to run 8 x 1 tiles, on one thread (one
     * column panel and under 128 rows make one task): 6.1-6.7 ms for the first shape, 8.4 ms for the
     * second (11.5 GFLOP/s). Here the rows of C go in groups of 8, each row with one vector
     * accumulator, B's rows are read in place when its columns are contiguous (else, or where a
     * row's vector would run past B's array, the strip of B is first packed as one panel of one
     * vector by {@link GemmPacking#packB}, once for all groups; no masked loads), A is read in place,
     * and the K strips are spread over the pool, their sums combined in order on the calling thread.
     *
     * <p>Same arithmetic as the blocked path, so the same bits: the same strips (those of the 8 x 2
     * tile, at most 512 depths each), each strip's sum over its depths in order from zero with FMA
     * (as {@link GemmKernels#kernel8x1}), then, strip by strip, that sum plus bias and C (the first
     * strip; C only when accumulating) or plus C (later strips), as {@link GemmKernels#finishTile}.
     * The strip sums are kept in the calling thread's packing workspace (strips x groups x 8 x L
     * floats).
     */
    static void smallDeep(GemmTuning tuning, boolean parallel, int m, int n, int k,
                          float[] a, int aOffset, int aRowStride, int aColStride,
                          float[] b, int bOffset, int bRowStride, int bColStride,
                          float[] c, int cOffset, int cRowStride,
                          float[] bias, int biasOffset, int biasStride,
                          boolean accumulate) {
        int strips = Gemm.strips(tuning, tuning.tileFor(n), k);
        int groups = (m + SMALL_DEEP_GROUP_ROWS - 1) / SMALL_DEEP_GROUP_ROWS;
        int tileFloats = SMALL_DEEP_GROUP_ROWS * L;
        float[] sums = GemmPacking.workspace().a(strips * groups * tileFloats);
        int tasks = parallel ? Math.min(strips, tuning.tasksPerThread() * Parallel.threads()) : 1;
        Gemm.run(tasks, t -> {
            for (int s = strips * t / tasks; s < strips * (t + 1) / tasks; s++) {
                int pc = Gemm.stripStart(k, s, strips);
                int kc = Gemm.stripStart(k, s + 1, strips) - pc;
                int aBase = aOffset + pc * aColStride;
                int bBase = bOffset + pc * bRowStride;
                float[] rows = b;
                int rowsBase = bBase;
                int rowsStride = bRowStride;
                if (bColStride != 1 || bBase + (long) (kc - 1) * bRowStride + L > b.length) {
                    // B's columns apart (B stored [N, K], as X·Wᵀ's weight or an NT product), or a
                    // strip whose last row's vector would run past B's array: pack the strip as one
                    // panel of one vector (rows of L floats, zero-padded), on this thread
                    rows = GemmPacking.workspace().b(GemmPacking.packedBSize(kc, n));
                    GemmPacking.packB(kc, n, L, b, bBase, bRowStride, bColStride, rows);
                    rowsBase = 0;
                    rowsStride = L;
                }
                // else B's rows are read in place, each as a whole vector (the lanes from n on,
                // other elements of B, go to accumulator lanes that are never used)
                for (int g = 0; g < groups; g++) {
                    int r0 = g * SMALL_DEEP_GROUP_ROWS;
                    smallDeepStrip(Math.min(SMALL_DEEP_GROUP_ROWS, m - r0), kc, a, aBase + r0 * aRowStride, aRowStride,
                            aColStride, rows, rowsBase, rowsStride, sums, (s * groups + g) * tileFloats);
                }
            }
        });
        for (int s = 0; s < strips; s++) {
            for (int i = 0; i < m; i++) {
                int t = (s * groups + i / SMALL_DEEP_GROUP_ROWS) * tileFloats + i % SMALL_DEEP_GROUP_ROWS * L;
                int o = cOffset + i * cRowStride;
                for (int j = 0; j < n; j++) {
                    float v = sums[t + j];
                    if (s == 0 && bias != null) {
                        v += bias[biasOffset + j * biasStride];
                    }
                    if (s > 0 || accumulate) {
                        v += c[o + j];
                    }
                    c[o + j] = v;
                }
            }
        }
    }

    /**
     * One strip of {@link #smallDeep}: sums[out + i*L + j] = sum over p &lt; kc, in order, of
     * A[i, p] * B[p, j] with FMA, for i &lt; 8 (rows from m on repeat row m - 1 and are not used)
     * and every lane j, B's row p being the L floats at b[bBase + p*bRowStride] (all inside b).
     */
    private static void smallDeepStrip(int m, int kc, float[] a, int aBase, int aRowStride, int aColStride,
                                       float[] b, int bBase, int bRowStride, float[] sums, int out) {
        int last = m - 1;
        int a0 = aBase;
        int a1 = aBase + Math.min(1, last) * aRowStride;
        int a2 = aBase + Math.min(2, last) * aRowStride;
        int a3 = aBase + Math.min(3, last) * aRowStride;
        int a4 = aBase + Math.min(4, last) * aRowStride;
        int a5 = aBase + Math.min(5, last) * aRowStride;
        int a6 = aBase + Math.min(6, last) * aRowStride;
        int a7 = aBase + Math.min(7, last) * aRowStride;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int p = 0; p < kc; p++) {
            int ap = p * aColStride;
            FloatVector bv = FloatVector.fromArray(S, b, bBase + p * bRowStride);
            c0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a[a4 + ap]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a[a5 + ap]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a[a6 + ap]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a[a7 + ap]).fma(bv, c7);
        }
        c0.intoArray(sums, out);
        c1.intoArray(sums, out + L);
        c2.intoArray(sums, out + 2 * L);
        c3.intoArray(sums, out + 3 * L);
        c4.intoArray(sums, out + 4 * L);
        c5.intoArray(sums, out + 5 * L);
        c6.intoArray(sums, out + 6 * L);
        c7.intoArray(sums, out + 7 * L);
    }

    /**
     * Whether a parallel product goes to {@link #deepStrips}: at least {@value #DEEP_MIN_STRIPS} K
     * strips, strip sums of at most {@value #DEEP_MAX_FLOATS} floats, and a B strip (KC x N,
     * packed) no larger than one packed B block of the tuning, so that it stays in L2. Those are
     * the weight gradients of narrow layers over many tokens (CrossMAE's 32-px decoder: 512 x 128,
     * 384 x 128 and 128 x 128 over 64 x 65 tokens), where the blocked path cut C into a few
     * column panels, packed A in a pass of its own per strip and barred the pool twice per strip;
     * these run 1.5-2.0x as fast here (docs/benchmarks.md). Wider B strips, fewer strips and larger C stay on
     * the blocked path (measured no faster or slower here).
     */
    static boolean stripsInParallel(GemmTuning tuning, int m, int n, int k) {
        long strips = Gemm.strips(tuning, tuning.tileFor(n), k);
        long kc = (k + strips - 1) / strips;
        return strips >= DEEP_MIN_STRIPS && strips * m * n <= DEEP_MAX_FLOATS
                && kc * GemmPacking.roundUpToVectors(n) <= tuning.bBlockFloats();
    }

    /**
     * The product as independent K strips, on the pool: every strip's sum over its depths, from
     * zero, goes into its own buffer (the calling thread's packing workspace, strips x M x N
     * floats), one task per strip or, for the strips that do not divide evenly among the threads,
     * per chunk of rows; then C is formed strip by strip in order, (sum0 + bias) (+ C), + sum1, ...,
     * as {@link Gemm#blocked} forms it. The strips are those of the blocked path and every strip sum is
     * the same FMA chain over p in order, so the bits are the blocked path's (GemmDeepStripsTest).
     * Same arguments as {@link Gemm#sgemm}; package-private for that test.
     */
    static void deepStrips(GemmTuning tuning, int m, int n, int k,
                           float[] a, int aOffset, int aRowStride, int aColStride,
                           float[] b, int bOffset, int bRowStride, int bColStride,
                           float[] c, int cOffset, int cRowStride,
                           float[] bias, int biasOffset, int biasStride,
                           boolean accumulate) {
        GemmTuning.Tile shape = tuning.tileFor(n);
        int mr = shape.rows;
        int strips = Gemm.strips(tuning, shape, k);
        int rowPanels = (m + mr - 1) / mr;
        // One task per strip, whole, for as many strips as divide evenly among the threads; each
        // strip left over is cut by rows into a chunk per thread, so the threads end together.
        int threads = Parallel.threads();
        int whole = strips - strips % threads;
        int split = Math.min(threads, rowPanels);
        int mn = m * n;
        float[] sums = GemmPacking.workspace().a(strips * mn);
        Gemm.run(whole + (strips - whole) * split, t -> {
            int s = t < whole ? t : whole + (t - whole) / split;
            int q = t < whole ? 0 : (t - whole) % split;
            int chunks = t < whole ? 1 : split;
            int pc = Gemm.stripStart(k, s, strips);
            int kc = Gemm.stripStart(k, s + 1, strips) - pc;
            int r0 = rowPanels * q / chunks * mr;
            int r1 = Math.min(m, rowPanels * (q + 1) / chunks * mr);
            stripSum(shape, n, kc, r0, r1, a, aOffset + pc * aColStride, aRowStride, aColStride,
                    b, bOffset + pc * bRowStride, bRowStride, bColStride, sums, s * mn);
        });
        int chunks = Math.min(m, tuning.tasksPerThread() * Parallel.threads());
        Gemm.run(chunks, t -> {
            for (int i = m * t / chunks; i < m * (t + 1) / chunks; i++) {
                addStrips(strips, n, sums, i * n, mn, c, cOffset + i * cRowStride, bias, biasOffset, biasStride,
                        accumulate);
            }
        });
    }

    /**
     * One strip's sum over rows [r0, r1) of C: out[i*n + j] = sum over p &lt; kc of A[i, p] * B[p, j]
     * in order from zero, by the register tiles, with A and B given from the strip's first depth.
     * B's strip is packed whole; A is read in place when row-major or transposed (stored [K, M])
     * with at most {@value #DEEP_IN_PLACE_TRANSPOSED_K} depths, else packed in groups of panels (a
     * ragged last panel always, the kernels reading whole panels).
     */
    private static void stripSum(GemmTuning.Tile shape, int n, int kc, int r0, int r1,
                                 float[] a, int aBase, int aRowStride, int aColStride,
                                 float[] b, int bBase, int bRowStride, int bColStride, float[] out, int outBase) {
        GemmPacking.Workspace ws = GemmPacking.workspace();
        int mr = shape.rows;
        int nr = shape.vectors * L;
        float[] bp = ws.b(GemmPacking.packedBSize(kc, n));
        GemmPacking.packB(kc, n, nr, b, bBase, bRowStride, bColStride, bp);
        float[] tile = ws.tail(mr * nr);
        boolean inPlace = aColStride == 1 || (aRowStride == 1 && kc <= DEEP_IN_PLACE_TRANSPOSED_K);
        int group = inPlace ? 1 : Math.max(1, L / mr);
        float[] ap = ws.aEdge(group * mr * kc);
        for (int ir = r0; ir < r1; ir += group * mr) {
            int groupRows = Math.min(group * mr, r1 - ir);
            boolean packed = !inPlace || groupRows < mr;
            if (packed) {
                GemmPacking.packA(groupRows, kc, mr, a, aBase + ir * aRowStride, aRowStride, aColStride, ap, 0);
            }
            for (int pr = 0; pr < groupRows; pr += mr) {
                int rows = Math.min(mr, groupRows - pr);
                int o = outBase + (ir + pr) * n;
                for (int jr = 0; jr < n; jr += nr) {
                    int cols = Math.min(nr, n - jr);
                    if (packed) {
                        Gemm.tile(shape, kc, ap, pr * kc, 1, mr, bp, jr * kc, out, o + jr, n, rows, cols, false, null,
                                0,
                                tile);
                    } else {
                        Gemm.tile(shape, kc, a, aBase + (ir + pr) * aRowStride, aRowStride, aColStride, bp, jr * kc,
                                out,
                                o + jr, n, rows, cols, false, null, 0, tile);
                    }
                }
            }
        }
    }

    /**
     * Row i of C from its strip sums, in {@link GemmKernels#finishTile}'s order: (sum0 + bias) (+ C
     * when accumulating), then + sum1, + sum2, ... (float addition commutes, so sum + C = C + sum).
     */
    private static void addStrips(int strips, int n, float[] sums, int row, int stripStride, float[] c, int cRow,
                                  float[] bias, int biasOffset, int biasStride, boolean accumulate) {
        int j = 0;
        if (bias == null || biasStride == 1) {
            for (; j <= n - L; j += L) {
                FloatVector v = FloatVector.fromArray(S, sums, row + j);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, biasOffset + j));
                }
                if (accumulate) {
                    v = v.add(FloatVector.fromArray(S, c, cRow + j));
                }
                for (int s = 1; s < strips; s++) {
                    v = v.add(FloatVector.fromArray(S, sums, s * stripStride + row + j));
                }
                v.intoArray(c, cRow + j);
            }
        }
        for (; j < n; j++) {
            float v = sums[row + j];
            if (bias != null) {
                v += bias[biasOffset + j * biasStride];
            }
            if (accumulate) {
                v += c[cRow + j];
            }
            for (int s = 1; s < strips; s++) {
                v += sums[s * stripStride + row + j];
            }
            c[cRow + j] = v;
        }
    }

}
