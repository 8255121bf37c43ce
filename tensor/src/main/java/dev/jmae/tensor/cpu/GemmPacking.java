package dev.jmae.tensor.cpu;

import static dev.jmae.tensor.cpu.GemmKernels.L;
import static dev.jmae.tensor.cpu.GemmKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

// spotless:off: register tiles and packing loops are laid out by hand, a statement per lane or vector
/**
 * Copies blocks of the {@link Gemm} operands into the contiguous, zero-padded layouts its
 * micro-kernels stream through, plus the per-thread buffers that hold them.
 *
 * <p>Layouts (R = kernel rows, NR = kernel columns, L = lanes per vector):
 * <ul>
 *   <li>packed B block [kc, nc]: column panels of NR columns, panel starting at column jr at
 *       index {@code jr*kc}, k-major inside (row p of the panel at {@code jr*kc + p*w}); the last
 *       panel's width w is its column count rounded up to whole vectors, the padding is zero;</li>
 *   <li>packed A block [mc, kc]: row panels of R rows, panel starting at row ir at index
 *       {@code ir*kc}, element (r, p) at {@code ir*kc + p*R + r}; rows past mc are zero;</li>
 *   <li>packed bias [nc]: contiguous, zero up to a whole number of vectors.</li>
 * </ul>
 * No masked vector loads or stores: they are slow on Zen 4 (see {@link GemmKernels}).
 */
final class GemmPacking {

    /** Per-thread buffers, grown on demand and then reused by every call on that thread. */
    static final class Workspace {
        private float[] b = new float[0];
        private float[] a = new float[0];
        private float[] aEdge = new float[0];
        private float[] bias = new float[0];
        private float[] tail = new float[0];

        /** The packed B block. */
        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }

        /**
         * The packed A block (read by the pool while a product runs), or the strip sums of
         * {@link GemmDeep#deepStrips} (written by the pool).
         */
        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        /** The zero-padded copy of a ragged last A panel read otherwise in place. */
        float[] aEdge(int size) {
            if (aEdge.length < size) {
                aEdge = new float[size];
            }
            return aEdge;
        }

        /** The packed bias. */
        float[] bias(int size) {
            if (bias.length < size) {
                bias = new float[size];
            }
            return bias;
        }

        /** The partial last vectors of a tile, see {@link GemmKernels#mergeTail}. */
        float[] tail(int size) {
            if (tail.length < size) {
                tail = new float[size];
            }
            return tail;
        }
    }

    // Lane permutations and blend masks of the 16 x 16 transpose: UPd moves lane p-d to lane p,
    // DOWNd moves lane p+d to lane p, HIGHd selects the lanes whose bit d is set, LOWd the others.
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromOp(S, i -> (i - 1) & (L - 1));
    private static final VectorShuffle<Float> DOWN1 = VectorShuffle.fromOp(S, i -> (i + 1) & (L - 1));
    private static final VectorMask<Float> HIGH1 = laneBit(1);
    private static final VectorMask<Float> LOW1 = HIGH1.not();
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromOp(S, i -> (i - 2) & (L - 1));
    private static final VectorShuffle<Float> DOWN2 = VectorShuffle.fromOp(S, i -> (i + 2) & (L - 1));
    private static final VectorMask<Float> HIGH2 = laneBit(2);
    private static final VectorMask<Float> LOW2 = HIGH2.not();
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromOp(S, i -> (i - 4) & (L - 1));
    private static final VectorShuffle<Float> DOWN4 = VectorShuffle.fromOp(S, i -> (i + 4) & (L - 1));
    private static final VectorMask<Float> HIGH4 = laneBit(4);
    private static final VectorMask<Float> LOW4 = HIGH4.not();
    private static final VectorShuffle<Float> UP8 = VectorShuffle.fromOp(S, i -> (i - 8) & (L - 1));
    private static final VectorShuffle<Float> DOWN8 = VectorShuffle.fromOp(S, i -> (i + 8) & (L - 1));
    private static final VectorMask<Float> HIGH8 = laneBit(8);
    private static final VectorMask<Float> LOW8 = HIGH8.not();

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private GemmPacking() {
    }

    private static VectorMask<Float> laneBit(int bit) {
        boolean[] lanes = new boolean[L];
        for (int i = 0; i < L; i++) {
            lanes[i] = (i & bit) != 0;
        }
        return VectorMask.fromArray(S, lanes, 0);
    }

    /** The calling thread's buffers. */
    static Workspace workspace() {
        return WORKSPACE.get();
    }

    /** Columns rounded up to whole vectors. */
    static int roundUpToVectors(int cols) {
        return (cols + L - 1) / L * L;
    }

    /** Floats a packed B block [kc, nc] occupies. */
    static int packedBSize(int kc, int nc) {
        return kc * roundUpToVectors(nc);
    }

    /**
     * Packs B[p, j] for p &lt; kc, j &lt; nc, where B[p, j] is {@code b[bBase + p*rowStride + j*colStride]},
     * into {@code dst} in the packed-B layout with panels of {@code nr} columns.
     */
    static void packB(int kc, int nc, int nr, float[] b, int bBase, int rowStride, int colStride, float[] dst) {
        for (int jr = 0; jr < nc; jr += nr) {
            int cols = Math.min(nr, nc - jr);
            int width = roundUpToVectors(cols);
            int d = jr * kc;
            int s = bBase + jr * colStride;
            if (colStride == 1) {
                packRows(kc, cols, width, b, s, rowStride, dst, d);
            } else if (rowStride == 1) {
                packColumns(kc, cols, width, b, s, colStride, dst, d);
            } else {
                packStrided(kc, cols, width, b, s, rowStride, colStride, dst, d);
            }
        }
    }

    /** One panel from contiguous rows (B row-major): vector copies, the ragged last vector by element. */
    private static void packRows(int kc, int cols, int width, float[] b, int s, int rowStride, float[] dst, int d) {
        int full = cols / L * L;
        for (int p = 0; p < kc; p++) {
            int src = s + p * rowStride;
            int out = d + p * width;
            for (int j = 0; j < full; j += L) {
                FloatVector.fromArray(S, b, src + j).intoArray(dst, out + j);
            }
            for (int j = full; j < cols; j++) {
                dst[out + j] = b[src + j];
            }
            for (int j = cols; j < width; j++) {
                dst[out + j] = 0f;
            }
        }
    }

    /**
     * One panel from contiguous columns (B transposed, stored [N, K]). With 16 lanes, 16 x 16 blocks
     * (16 columns by 16 depths) are transposed in registers; the ragged rest (columns past the last
     * whole vector, depths past the last whole block) and other lane counts are copied one element
     * at a time, 16 depths per column at once so both sides stay within a few cache lines. Writes
     * every element of dst[d, d + kc·width): B(p, j) = {@code b[s + p + j*colStride]} at
     * {@code dst[d + p*width + j]} for j &lt; cols, zero for cols &lt;= j &lt; width. Also packs
     * {@link CpuAttention}'s transposed keys and values.
     */
    static void packColumns(int kc, int cols, int width, float[] b, int s, int colStride,
                                    float[] dst, int d) {
        int wholeCols = L == 16 ? cols / 16 * 16 : 0;
        int wholeDepth = L == 16 ? kc / 16 * 16 : 0;
        for (int j0 = 0; j0 < wholeCols; j0 += 16) {
            for (int p0 = 0; p0 < wholeDepth; p0 += 16) {
                transpose16(b, s + j0 * colStride + p0, colStride, dst, d + p0 * width + j0, width);
            }
        }
        final int depthBlock = 16;
        for (int p0 = 0; p0 < kc; p0 += depthBlock) {
            int p1 = Math.min(kc, p0 + depthBlock);
            for (int j = p0 < wholeDepth ? wholeCols : 0; j < cols; j++) {
                int src = s + j * colStride;
                for (int p = p0; p < p1; p++) {
                    dst[d + p * width + j] = b[src + p];
                }
            }
            for (int p = p0; p < p1; p++) {
                for (int j = cols; j < width; j++) {
                    dst[d + p * width + j] = 0f;
                }
            }
        }
    }

    /**
     * Transposes one 16 x 16 block (needs L == 16): 16 columns of 16 depths, column j at
     * {@code b[s + j*colStride]}, become 16 packed rows of 16 columns, depth p at
     * {@code dst[d + p*width]}. Four butterfly stages, each swapping the off-diagonal
     * sub-blocks of side 1, 2, 4, 8 (a lane permute and a blend per vector), in locals so the
     * vectors stay in registers.
     */
    private static void transpose16(float[] b, int s, int colStride, float[] dst, int d, int width) {
        FloatVector v0 = FloatVector.fromArray(S, b, s);
        FloatVector v1 = FloatVector.fromArray(S, b, s + colStride);
        FloatVector v2 = FloatVector.fromArray(S, b, s + 2 * colStride);
        FloatVector v3 = FloatVector.fromArray(S, b, s + 3 * colStride);
        FloatVector v4 = FloatVector.fromArray(S, b, s + 4 * colStride);
        FloatVector v5 = FloatVector.fromArray(S, b, s + 5 * colStride);
        FloatVector v6 = FloatVector.fromArray(S, b, s + 6 * colStride);
        FloatVector v7 = FloatVector.fromArray(S, b, s + 7 * colStride);
        FloatVector v8 = FloatVector.fromArray(S, b, s + 8 * colStride);
        FloatVector v9 = FloatVector.fromArray(S, b, s + 9 * colStride);
        FloatVector v10 = FloatVector.fromArray(S, b, s + 10 * colStride);
        FloatVector v11 = FloatVector.fromArray(S, b, s + 11 * colStride);
        FloatVector v12 = FloatVector.fromArray(S, b, s + 12 * colStride);
        FloatVector v13 = FloatVector.fromArray(S, b, s + 13 * colStride);
        FloatVector v14 = FloatVector.fromArray(S, b, s + 14 * colStride);
        FloatVector v15 = FloatVector.fromArray(S, b, s + 15 * colStride);
        FloatVector t;
        t = v0.blend(v1.rearrange(UP1), HIGH1); v1 = v1.blend(v0.rearrange(DOWN1), LOW1); v0 = t;
        t = v2.blend(v3.rearrange(UP1), HIGH1); v3 = v3.blend(v2.rearrange(DOWN1), LOW1); v2 = t;
        t = v4.blend(v5.rearrange(UP1), HIGH1); v5 = v5.blend(v4.rearrange(DOWN1), LOW1); v4 = t;
        t = v6.blend(v7.rearrange(UP1), HIGH1); v7 = v7.blend(v6.rearrange(DOWN1), LOW1); v6 = t;
        t = v8.blend(v9.rearrange(UP1), HIGH1); v9 = v9.blend(v8.rearrange(DOWN1), LOW1); v8 = t;
        t = v10.blend(v11.rearrange(UP1), HIGH1); v11 = v11.blend(v10.rearrange(DOWN1), LOW1); v10 = t;
        t = v12.blend(v13.rearrange(UP1), HIGH1); v13 = v13.blend(v12.rearrange(DOWN1), LOW1); v12 = t;
        t = v14.blend(v15.rearrange(UP1), HIGH1); v15 = v15.blend(v14.rearrange(DOWN1), LOW1); v14 = t;
        t = v0.blend(v2.rearrange(UP2), HIGH2); v2 = v2.blend(v0.rearrange(DOWN2), LOW2); v0 = t;
        t = v1.blend(v3.rearrange(UP2), HIGH2); v3 = v3.blend(v1.rearrange(DOWN2), LOW2); v1 = t;
        t = v4.blend(v6.rearrange(UP2), HIGH2); v6 = v6.blend(v4.rearrange(DOWN2), LOW2); v4 = t;
        t = v5.blend(v7.rearrange(UP2), HIGH2); v7 = v7.blend(v5.rearrange(DOWN2), LOW2); v5 = t;
        t = v8.blend(v10.rearrange(UP2), HIGH2); v10 = v10.blend(v8.rearrange(DOWN2), LOW2); v8 = t;
        t = v9.blend(v11.rearrange(UP2), HIGH2); v11 = v11.blend(v9.rearrange(DOWN2), LOW2); v9 = t;
        t = v12.blend(v14.rearrange(UP2), HIGH2); v14 = v14.blend(v12.rearrange(DOWN2), LOW2); v12 = t;
        t = v13.blend(v15.rearrange(UP2), HIGH2); v15 = v15.blend(v13.rearrange(DOWN2), LOW2); v13 = t;
        t = v0.blend(v4.rearrange(UP4), HIGH4); v4 = v4.blend(v0.rearrange(DOWN4), LOW4); v0 = t;
        t = v1.blend(v5.rearrange(UP4), HIGH4); v5 = v5.blend(v1.rearrange(DOWN4), LOW4); v1 = t;
        t = v2.blend(v6.rearrange(UP4), HIGH4); v6 = v6.blend(v2.rearrange(DOWN4), LOW4); v2 = t;
        t = v3.blend(v7.rearrange(UP4), HIGH4); v7 = v7.blend(v3.rearrange(DOWN4), LOW4); v3 = t;
        t = v8.blend(v12.rearrange(UP4), HIGH4); v12 = v12.blend(v8.rearrange(DOWN4), LOW4); v8 = t;
        t = v9.blend(v13.rearrange(UP4), HIGH4); v13 = v13.blend(v9.rearrange(DOWN4), LOW4); v9 = t;
        t = v10.blend(v14.rearrange(UP4), HIGH4); v14 = v14.blend(v10.rearrange(DOWN4), LOW4); v10 = t;
        t = v11.blend(v15.rearrange(UP4), HIGH4); v15 = v15.blend(v11.rearrange(DOWN4), LOW4); v11 = t;
        t = v0.blend(v8.rearrange(UP8), HIGH8); v8 = v8.blend(v0.rearrange(DOWN8), LOW8); v0 = t;
        t = v1.blend(v9.rearrange(UP8), HIGH8); v9 = v9.blend(v1.rearrange(DOWN8), LOW8); v1 = t;
        t = v2.blend(v10.rearrange(UP8), HIGH8); v10 = v10.blend(v2.rearrange(DOWN8), LOW8); v2 = t;
        t = v3.blend(v11.rearrange(UP8), HIGH8); v11 = v11.blend(v3.rearrange(DOWN8), LOW8); v3 = t;
        t = v4.blend(v12.rearrange(UP8), HIGH8); v12 = v12.blend(v4.rearrange(DOWN8), LOW8); v4 = t;
        t = v5.blend(v13.rearrange(UP8), HIGH8); v13 = v13.blend(v5.rearrange(DOWN8), LOW8); v5 = t;
        t = v6.blend(v14.rearrange(UP8), HIGH8); v14 = v14.blend(v6.rearrange(DOWN8), LOW8); v6 = t;
        t = v7.blend(v15.rearrange(UP8), HIGH8); v15 = v15.blend(v7.rearrange(DOWN8), LOW8); v7 = t;
        v0.intoArray(dst, d);
        v1.intoArray(dst, d + width);
        v2.intoArray(dst, d + 2 * width);
        v3.intoArray(dst, d + 3 * width);
        v4.intoArray(dst, d + 4 * width);
        v5.intoArray(dst, d + 5 * width);
        v6.intoArray(dst, d + 6 * width);
        v7.intoArray(dst, d + 7 * width);
        v8.intoArray(dst, d + 8 * width);
        v9.intoArray(dst, d + 9 * width);
        v10.intoArray(dst, d + 10 * width);
        v11.intoArray(dst, d + 11 * width);
        v12.intoArray(dst, d + 12 * width);
        v13.intoArray(dst, d + 13 * width);
        v14.intoArray(dst, d + 14 * width);
        v15.intoArray(dst, d + 15 * width);
    }

    /** One panel from any strides (broadcast views with stride 0 included): scalar copies. */
    private static void packStrided(int kc, int cols, int width, float[] b, int s, int rowStride, int colStride,
                                    float[] dst, int d) {
        for (int p = 0; p < kc; p++) {
            int src = s + p * rowStride;
            int out = d + p * width;
            for (int j = 0; j < cols; j++) {
                dst[out + j] = b[src + j * colStride];
            }
            for (int j = cols; j < width; j++) {
                dst[out + j] = 0f;
            }
        }
    }

    /**
     * Packs A[i, p] for i &lt; mc, p &lt; kc, where A[i, p] is {@code a[aBase + i*rowStride + p*colStride]},
     * into {@code dst} from {@code dstBase} in the packed-A layout with panels of {@code mr} rows;
     * the last panel is zero-padded to mr rows.
     */
    static void packA(int mc, int kc, int mr, float[] a, int aBase, int rowStride, int colStride,
                      float[] dst, int dstBase) {
        int ir = 0;
        if (rowStride == 1 && mr >= 5 && mr <= L) {
            // A transposed: the whole panels together, a few depths at a time (see packTransposed)
            ir = mc / mr * mr;
            packTransposed(mc / mr, kc, mr, a, aBase, colStride, dst, dstBase);
        }
        for (; ir < mc; ir += mr) {
            int rows = Math.min(mr, mc - ir);
            int d = dstBase + ir * kc;
            int s = aBase + ir * rowStride;
            if (rowStride == 1 && rows >= 5 && mr <= L) {
                // A transposed (stored [K, M]): a depth's rows are adjacent, one vector copy each.
                // Past the panel's rows the extra lanes land in the next depths' slots (rewritten
                // next) or in padding rows (zeroed below); the last depths, whose copy would run
                // past the panel, and sources too close to the array's end, go by element. The
                // vector is the kernels' species S and no other: a second species (this copy used
                // 8-lane vectors) makes the Vector API's shared methods' type profiles bimorphic,
                // after which C2 compiled a micro-kernel that boxed its accumulators in some
                // processes (20-35x slower GEMMs for the rest of the process; docs/benchmarks.md).
                int p = 0;
                for (; p * mr + L <= kc * mr && s + p * colStride + L <= a.length; p++) {
                    FloatVector.fromArray(S, a, s + p * colStride).intoArray(dst, d + p * mr);
                }
                for (; p < kc; p++) {
                    int src = s + p * colStride;
                    int out = d + p * mr;
                    for (int r = 0; r < rows; r++) {
                        dst[out + r] = a[src + r];
                    }
                }
            } else if (rowStride == 1) {
                for (int p = 0; p < kc; p++) {
                    int src = s + p * colStride;
                    int out = d + p * mr;
                    for (int r = 0; r < rows; r++) {
                        dst[out + r] = a[src + r];
                    }
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = s + r * rowStride;
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * mr + r] = a[src + p * colStride];
                    }
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) {
                    for (int r = rows; r < mr; r++) {
                        dst[d + p * mr + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Depths per pass of {@link #packTransposed}: the lines of that many rows of a transposed A
     * (each a row of A apart, at 4 KiB strides often all in one L1 set) stay in L1 while every panel
     * takes its share of them.
     */
    static final int TRANSPOSED_PASS_DEPTHS = 8;

    /**
     * {@code panels} whole panels of a transposed A (A[i, p] at {@code a[s + i + p*colStride]}, i &lt;
     * panels x mr) into the packed-A layout at {@code d}: per depth and panel a vector of S while it
     * stays inside the panel and the array (its lanes past the panel's rows land in the next
     * depths' slots, rewritten next), element by element after that.
     *
     * <p>The depths go in passes of {@link #TRANSPOSED_PASS_DEPTHS} over all the panels, so that A
     * is read along its stored rows, each source line used whole before it leaves L1: panel by
     * panel down all the depths (or two or three panels at a time), every depth's line was fetched
     * again for the next panels, with a new page at every depth, where the hardware prefetchers
     * stop. Measured on Zen 5 (2026-12-07): 1020 x 512 in 168 instead of 229 us, 3198 x 768 (the
     * qkv product's A, M = 3200) in 1.49 instead of 2.40 ms.
     */
    private static void packTransposed(int panels, int kc, int mr, float[] a, int s, int colStride, float[] dst,
                                       int d) {
        if (panels == 0) {
            return;
        }
        // the depths p whose copies stay inside the panel (p * mr + L <= kc * mr) and the array
        // (last panel's source + p * colStride + L <= a.length), in closed form: a counting loop
        // here cost the deep-strip path, which packs two panels per call, 1-3%
        int inPanel = kc * mr >= L ? (kc * mr - L) / mr + 1 : 0;
        long room = (long) a.length - L - (s + (long) (panels - 1) * mr);
        long inArray = room < 0 ? 0 : colStride == 0 ? kc : room / colStride + 1;
        int vectorDepths = (int) Math.min(Math.min(kc, inPanel), inArray);
        for (int p0 = 0; p0 < vectorDepths; p0 += TRANSPOSED_PASS_DEPTHS) {
            int p1 = Math.min(vectorDepths, p0 + TRANSPOSED_PASS_DEPTHS);
            for (int g = 0; g < panels; g++) {
                int src = s + g * mr;
                int out = d + g * mr * kc;
                for (int p = p0; p < p1; p++) {
                    FloatVector.fromArray(S, a, src + p * colStride).intoArray(dst, out + p * mr);
                }
            }
        }
        for (int g = 0; g < panels; g++) {
            for (int p = vectorDepths; p < kc; p++) {
                int src = s + g * mr + p * colStride;
                int out = d + g * mr * kc + p * mr;
                for (int r = 0; r < mr; r++) {
                    dst[out + r] = a[src + r];
                }
            }
        }
    }

    /** Packs bias[j] = {@code bias[biasBase + j*stride]} for j &lt; nc, zero-padded to whole vectors. */
    static void packBias(int nc, float[] bias, int biasBase, int stride, float[] dst) {
        for (int j = 0; j < nc; j++) {
            dst[j] = bias[biasBase + j * stride];
        }
        for (int j = nc, end = roundUpToVectors(nc); j < end; j++) {
            dst[j] = 0f;
        }
    }
}
// spotless:on
