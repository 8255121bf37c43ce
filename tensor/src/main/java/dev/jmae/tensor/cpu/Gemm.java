package dev.jmae.tensor.cpu;

import static dev.jmae.tensor.cpu.GemmKernels.L;
import static dev.jmae.tensor.cpu.GemmKernels.S;

import jdk.incubator.vector.FloatVector;

import java.util.function.IntConsumer;

/**
 * Single-precision matrix multiplication on the CPU: Vector API micro-kernels with float32 FMA,
 * Goto/BLIS cache blocking and the {@link Parallel} pool. Same contract as
 * {@link dev.jmae.tensor.reference.ReferenceGemm}, which is its specification.
 *
 * <p>The sizes below are those of {@link GemmTuning#DEFAULT}; every one of them (the tile, the K
 * strips, the A and B block sizes, the tasks per thread, the in-place depth of a transposed A) is
 * a field of the {@link GemmTuning} in force ({@link GemmTuning#current()}), chosen per machine.
 *
 * <p>Blocking, per thread (Goto/BLIS order with the roles of A and B swapped, since the vectors run
 * along N): K is cut into near-equal strips of at most KC depths (800 for the 5x3 tile, 512 for
 * 8x2, so that an A panel of R rows x KC is at most 16 KiB and stays in L1); per strip, column
 * blocks of B [KC, NC] are packed into k-major panels of NR columns (near-equal blocks of whole
 * panels with the packed block at most 640 KiB, inside the 1 MiB L2), and every R-row panel of A is
 * run against every panel of the block, B streaming from L2. A is read in place when it is
 * row-major (aColStride 1) or a transposed strip of at most 256 depths; otherwise (a deeper
 * transposed A, other strides) each strip of it is packed once into R-row panels shared by all
 * threads. The register tile is 5 rows x 3 vectors (48 columns with AVX-512) when N is a multiple
 * of 3 vectors, else 8 rows x 2 vectors (x 1 vector for a last panel of at most one vector).
 *
 * <p>Threads: a product of at least 2^18 FLOPs (2*M*N*K) is cut into about 4 tasks per pool
 * thread, whole column panels first (each task packs only its own B columns; tasks of equal width
 * where the panels allow, {@link #columnTasks}) and row chunks of at least 64 rows when N has too
 * few panels; the pool claims tasks dynamically, so a core briefly
 * taken by another process does not stall the product, and no barrier is needed inside a product
 * except between the pack and compute phases of a packed A strip. Smaller products run on the
 * calling thread. Per-thread packing buffers (up to about 13 MiB on a caller thread that packs A)
 * are kept in thread-locals and reused.
 *
 * <p>Small products over a deep K go to {@link GemmDeep}, which computes the K strips' sums apart,
 * spread over the pool, and adds them in order, with this path's bits: a C of at most 32 rows by
 * one vector over K of at least 4096 ({@link GemmDeep#smallDeep}; the blocked path would run it as
 * one task of one tile per strip), and a small C over four or more K strips, such as narrow weight
 * gradients over many tokens ({@link GemmDeep#deepStrips}).
 */
public final class Gemm {

    /**
     * Products with fewer FLOPs (2*M*N*K) than this run on the calling thread only. The pool's
     * workers spin before parking, so even a 64^3 product (0.5 MFLOP) gains from a second thread.
     */
    static final long PARALLEL_MIN_FLOPS = 1L << 18;
    /** Fewest rows of C a task gets when rows are split (each row task repacks its B columns). */
    static final int MIN_TASK_ROWS = 64;

    private Gemm() {
    }

    /**
     * Matrix product with optional bias: {@code C[i, j] (= or +=) sum_p A[i, p] * B[p, j] (+ bias[j])}
     * for i &lt; M, j &lt; N, p &lt; K.
     *
     * <p>Accumulates in float32 with FMA, in order p = 0..K-1 within strips of at most 800 depths;
     * the first strip's sum gets bias[j] and (when accumulating) the previous C[i, j] added, and
     * each later strip's sum is added to C in order. K = 0 gives C = bias (or 0) when overwriting
     * and C + bias when accumulating; bias is added exactly once.
     *
     * <p>Shapes: A [M, K], element (i, p) at {@code a[aOffset + i*aRowStride + p*aColStride]};
     * B [K, N], element (p, j) at {@code b[bOffset + p*bRowStride + j*bColStride]}; C [M, N],
     * element (i, j) at {@code c[cOffset + i*cRowStride + j]}; bias [N], element j at
     * {@code bias[biasOffset + j*biasStride]}. Any strides at least 0 work (0 broadcasts); the fast
     * layouts are A row-major (aColStride 1) or transposed (aRowStride 1) and B row-major
     * (bColStride 1) or transposed (bRowStride 1, B stored [N, K] as a Linear weight).
     *
     * <p>Overwrites C when {@code accumulate} is false (its previous contents are never read, so
     * they may be garbage or NaN) and adds to it when true. Runs on up to {@link Parallel#threads()}
     * threads (the caller's included) when 2*M*N*K is at least 2^18 (a 64 x 64 x 32 product), otherwise
     * on the calling thread; allocates nothing per call beyond a task lambda when parallel (packing
     * buffers are per-thread and grow on demand).
     * Assumes valid input (validated at the Tensor API boundary): sizes and strides at least 0,
     * every addressed element inside its array, and C not overlapping A, B or bias.
     *
     * @param m rows of A and C (M)
     * @param n columns of B and C (N)
     * @param k columns of A, rows of B (K)
     * @param a A's storage
     * @param aOffset index of A[0, 0]
     * @param aRowStride distance between A[i, p] and A[i+1, p]
     * @param aColStride distance between A[i, p] and A[i, p+1]
     * @param b B's storage
     * @param bOffset index of B[0, 0]
     * @param bRowStride distance between B[p, j] and B[p+1, j]
     * @param bColStride distance between B[p, j] and B[p, j+1]
     * @param c C's storage (output)
     * @param cOffset index of C[0, 0]
     * @param cRowStride distance between C[i, j] and C[i+1, j]; C's columns are contiguous
     * @param bias bias storage, or null for no bias
     * @param biasOffset index of bias[0]
     * @param biasStride distance between bias[j] and bias[j+1]
     * @param accumulate true to add the product to C, false to overwrite C
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOffset, int aRowStride, int aColStride,
                             float[] b, int bOffset, int bRowStride, int bColStride,
                             float[] c, int cOffset, int cRowStride,
                             float[] bias, int biasOffset, int biasStride,
                             boolean accumulate) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            biasOnly(m, n, c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
            return;
        }
        sgemm(GemmTuning.current(), m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
                c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
    }

    /**
     * {@link #sgemm} with a given tuning instead of {@link GemmTuning#current()}: for the tuning
     * search and the parity tests of every candidate.
     */
    static void sgemm(GemmTuning tuning, int m, int n, int k,
                      float[] a, int aOffset, int aRowStride, int aColStride,
                      float[] b, int bOffset, int bRowStride, int bColStride,
                      float[] c, int cOffset, int cRowStride,
                      float[] bias, int biasOffset, int biasStride,
                      boolean accumulate) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            biasOnly(m, n, c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
            return;
        }
        boolean parallel = Parallel.threads() > 1 && 2L * m * n * k >= PARALLEL_MIN_FLOPS;
        product(tuning, parallel, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
                c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
    }

    /**
     * The same product for {@code batch} independent problems of identical shape and strides:
     * problem t reads A at {@code aOffsets[t]}, B at {@code bOffsets[t]} and writes C at
     * {@code cOffsets[t]}; bias, when given, is shared by all problems.
     *
     * <p>Shapes: A [batch, M, K], B [batch, K, N], C [batch, M, N], bias [N], each problem
     * addressed as in {@link #sgemm}. Float32 FMA accumulation as in {@link #sgemm}; overwrites C
     * when {@code accumulate} is false and adds to it when true. Threads: many small problems (for
     * example per-head attention products) are spread over the pool whole, each on one thread; a
     * few large ones run one after another, each split over the pool. Assumes valid input; problems
     * may share A or B storage but no C element may be written by two problems.
     *
     * @param batch number of problems
     * @param m rows of each A and C (M)
     * @param n columns of each B and C (N)
     * @param k columns of each A, rows of each B (K)
     * @param a storage of all A operands
     * @param aOffsets index of A[0, 0] for each problem, length at least batch
     * @param aRowStride distance between A[i, p] and A[i+1, p]
     * @param aColStride distance between A[i, p] and A[i, p+1]
     * @param b storage of all B operands
     * @param bOffsets index of B[0, 0] for each problem, length at least batch
     * @param bRowStride distance between B[p, j] and B[p+1, j]
     * @param bColStride distance between B[p, j] and B[p, j+1]
     * @param c storage of all C outputs
     * @param cOffsets index of C[0, 0] for each problem, length at least batch
     * @param cRowStride distance between C[i, j] and C[i+1, j]; C's columns are contiguous
     * @param bias bias storage, or null for no bias
     * @param biasOffset index of bias[0]
     * @param biasStride distance between bias[j] and bias[j+1]
     * @param accumulate true to add the products to C, false to overwrite C
     */
    public static void sgemmBatched(int batch, int m, int n, int k,
                                    float[] a, int[] aOffsets, int aRowStride, int aColStride,
                                    float[] b, int[] bOffsets, int bRowStride, int bColStride,
                                    float[] c, int[] cOffsets, int cRowStride,
                                    float[] bias, int biasOffset, int biasStride,
                                    boolean accumulate) {
        if (batch <= 0 || m <= 0 || n <= 0) {
            return;
        }
        GemmTuning tuning = GemmTuning.current();
        long itemFlops = 2L * m * n * k;
        int threads = Parallel.threads();
        boolean serial = threads == 1 || itemFlops * batch < PARALLEL_MIN_FLOPS;
        // Whole problems per thread when there are enough of them to balance (or they are too small
        // to split); otherwise one problem at a time, each split over the pool.
        boolean wholeItems = serial || batch >= 4 * threads || batch % threads == 0 || itemFlops < PARALLEL_MIN_FLOPS;
        if (!wholeItems || batch == 1) {
            for (int t = 0; t < batch; t++) {
                sgemm(tuning, m, n, k, a, aOffsets[t], aRowStride, aColStride, b, bOffsets[t], bRowStride, bColStride,
                        c, cOffsets[t], cRowStride, bias, biasOffset, biasStride, accumulate);
            }
            return;
        }
        IntConsumer item = t -> {
            if (k <= 0) {
                biasOnly(m, n, c, cOffsets[t], cRowStride, bias, biasOffset, biasStride, accumulate);
            } else {
                product(tuning, false, m, n, k, a, aOffsets[t], aRowStride, aColStride, b, bOffsets[t], bRowStride,
                        bColStride, c, cOffsets[t], cRowStride, bias, biasOffset, biasStride, accumulate);
            }
        };
        if (serial) {
            for (int t = 0; t < batch; t++) {
                item.accept(t);
            }
        } else {
            Parallel.forTasks(batch, item);
        }
    }

    /** C = bias (or 0) when overwriting, C += bias when accumulating: the K = 0 product. */
    private static void biasOnly(int m, int n, float[] c, int cOffset, int cRowStride,
                                 float[] bias, int biasOffset, int biasStride, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int row = cOffset + i * cRowStride;
            for (int j = 0; j < n; j++) {
                float v = bias == null ? 0f : bias[biasOffset + j * biasStride];
                c[row + j] = accumulate ? c[row + j] + v : v;
            }
        }
    }

    /**
     * The product on the pool when {@code parallel}: {@link GemmDeep}'s paths where they apply, else
     * {@link #blocked}.
     */
    private static void product(GemmTuning tuning, boolean parallel, int m, int n, int k,
                                float[] a, int aOffset, int aRowStride, int aColStride,
                                float[] b, int bOffset, int bRowStride, int bColStride,
                                float[] c, int cOffset, int cRowStride,
                                float[] bias, int biasOffset, int biasStride,
                                boolean accumulate) {
        if (m <= GemmDeep.SMALL_DEEP_MAX_ROWS && n <= L && k >= GemmDeep.SMALL_DEEP_MIN_K) {
            GemmDeep.smallDeep(tuning, parallel, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride,
                    bColStride, c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
        } else if (parallel && GemmDeep.stripsInParallel(tuning, m, n, k)) {
            GemmDeep.deepStrips(tuning, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
                    c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
        } else {
            blocked(tuning, parallel, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
                    c, cOffset, cRowStride, bias, biasOffset, biasStride, accumulate);
        }
    }

    /**
     * The blocked product, on the pool when {@code parallel}: a grid of tasks (column blocks of
     * whole panels, then row chunks of whole panels when N alone gives too few), claimed dynamically
     * so that a thread slowed by another process does not hold the others back. Package-private for
     * the test that holds {@link GemmDeep#smallDeep} to its bits.
     */
    static void blocked(GemmTuning tuning, boolean parallel, int m, int n, int k,
                        float[] a, int aOffset, int aRowStride, int aColStride,
                        float[] b, int bOffset, int bRowStride, int bColStride,
                        float[] c, int cOffset, int cRowStride,
                        float[] bias, int biasOffset, int biasStride,
                        boolean accumulate) {
        GemmTuning.Tile shape = tuning.tileFor(n);
        int mr = shape.rows;
        int nr = shape.vectors * L;
        int strips = strips(tuning, shape, k);
        int kcCap = (k + strips - 1) / strips;
        int colPanels = (n + nr - 1) / nr;
        int targetTasks = parallel ? tuning.tasksPerThread() * Parallel.threads() : 1;
        int colTasks = columnTasks(colPanels, targetTasks, parallel ? Parallel.threads() : 1);
        if (!packsA(tuning, aRowStride, aColStride, kcCap)) {
            // A in place: every task runs all K strips over its block of C.
            int rowPanels = (m + mr - 1) / mr;
            int rowTasks = rowTasks(rowPanels, mr, targetTasks, colTasks);
            IntConsumer task = t -> {
                int r0 = rowPanels * (t / colTasks) / rowTasks * mr;
                int r1 = Math.min(m, rowPanels * (t / colTasks + 1) / rowTasks * mr);
                int c0 = colPanels * (t % colTasks) / colTasks * nr;
                int c1 = Math.min(n, colPanels * (t % colTasks + 1) / colTasks * nr);
                for (int s = 0; s < strips; s++) {
                    int pc = stripStart(k, s, strips);
                    int kc = stripStart(k, s + 1, strips) - pc;
                    strip(tuning, shape, pc, kc, r0, r1, c0, c1, a, aOffset, aRowStride, aColStride, null, 0,
                            b, bOffset, bRowStride, bColStride, c, cOffset, cRowStride,
                            s == 0 ? bias : null, biasOffset, biasStride, accumulate || s > 0);
                }
            };
            run(rowTasks * colTasks, task);
            return;
        }
        // A packed: per block of rows and K strip, pack A once (shared by all tasks), then compute.
        int mcMax = rowBlock(tuning, mr, kcCap);
        float[] packed = GemmPacking.workspace().a((Math.min(m, mcMax) + mr - 1) / mr * mr * kcCap);
        for (int ic = 0; ic < m; ic += mcMax) {
            int mc = Math.min(mcMax, m - ic);
            int rowPanels = (mc + mr - 1) / mr;
            int rowTasks = rowTasks(rowPanels, mr, targetTasks, colTasks);
            for (int s = 0; s < strips; s++) {
                int pc = stripStart(k, s, strips);
                int kc = stripStart(k, s + 1, strips) - pc;
                int aBlock = aOffset + ic * aRowStride + pc * aColStride;
                IntConsumer pack = t -> {
                    int r0 = rowPanels * t / targetTasks * mr;
                    int r1 = Math.min(mc, rowPanels * (t + 1) / targetTasks * mr);
                    GemmPacking.packA(r1 - r0, kc, mr, a, aBlock + r0 * aRowStride, aRowStride, aColStride,
                            packed, r0 * kc);
                };
                run(targetTasks, pack);
                boolean add = accumulate || s > 0;
                float[] stripBias = s == 0 ? bias : null;
                int row0 = ic;
                IntConsumer task = t -> {
                    int r0 = row0 + rowPanels * (t / colTasks) / rowTasks * mr;
                    int r1 = row0 + Math.min(mc, rowPanels * (t / colTasks + 1) / rowTasks * mr);
                    int c0 = colPanels * (t % colTasks) / colTasks * nr;
                    int c1 = Math.min(n, colPanels * (t % colTasks + 1) / colTasks * nr);
                    strip(tuning, shape, pc, kc, r0, r1, c0, c1, a, aOffset, aRowStride, aColStride, packed, row0,
                            b, bOffset, bRowStride, bColStride, c, cOffset, cRowStride,
                            stripBias, biasOffset, biasStride, add);
                };
                run(rowTasks * colTasks, task);
            }
        }
    }

    /**
     * The number of K strips of a product with this tile: K cut into near-equal strips of at most
     * the tile's deepest strip ({@link GemmTuning#kcMax}). Every path cuts K this way, so that
     * they add the same partial sums in the same order and give the same bits.
     */
    static int strips(GemmTuning tuning, GemmTuning.Tile shape, int k) {
        int kcMax = tuning.kcMax(shape);
        return (k + kcMax - 1) / kcMax;
    }

    /** The first depth of strip s when k depths are cut into {@code strips} near-equal strips. */
    static int stripStart(int k, int s, int strips) {
        return (int) ((long) k * s / strips);
    }

    /**
     * The number of column tasks of a product: the most tasks, at most the target and a multiple of
     * the threads, among which the column panels divide evenly; where no such count exists, the
     * target count of near-equal tasks (or one task per panel when there are fewer panels).
     *
     * <p>Tasks of unequal width load the threads unevenly and cut the wider tasks' columns into B
     * blocks smaller than fit in L2, so that each A panel, fetched from L3 once per block, serves
     * fewer kernel calls: 36 panels (qkv, N = 2304, with a 64-column tile) in 8 tasks of 4-5 panels
     * ran 8-11% slower than in 6 tasks of 6 (journal, 2026-12-07 20:07-21:45).
     *
     * @param colPanels panels of NR columns in C
     * @param targetTasks tasks wanted in all (tasks per thread x threads; 1 when serial)
     * @param threads pool threads the tasks are spread over
     * @return the column tasks, between 1 and min(colPanels, targetTasks)
     */
    static int columnTasks(int colPanels, int targetTasks, int threads) {
        int most = Math.min(colPanels, targetTasks);
        for (int tasks = most; tasks >= threads && tasks > 1; tasks--) {
            if (colPanels % tasks == 0 && tasks % threads == 0) {
                return tasks;
            }
        }
        return most;
    }

    /** Row chunks per column block so the grid reaches the target, each chunk at least MIN_TASK_ROWS rows. */
    private static int rowTasks(int rowPanels, int mr, int targetTasks, int colTasks) {
        int wanted = (targetTasks + colTasks - 1) / colTasks;
        return Math.max(1, Math.min(wanted, rowPanels * mr / MIN_TASK_ROWS));
    }

    static void run(int tasks, IntConsumer task) {
        if (tasks == 1) {
            task.accept(0);
        } else {
            Parallel.forTasks(tasks, task);
        }
    }

    /**
     * One K strip [pc, pc+kc) over rows [i0, i1) and columns [j0, j1) of C, on the calling thread:
     * for each column block, pack B (and bias), then run every R-row panel of A against every
     * panel of the block. A is read in place when {@code packed} is null, else from
     * {@code packed}, whose row {@code packedRow0} is at index 0; i0 - packedRow0 must be a multiple
     * of R. Bias is added when non-null; {@code add} adds to C instead of overwriting it.
     */
    private static void strip(GemmTuning tuning, GemmTuning.Tile shape, int pc, int kc, int i0, int i1, int j0, int j1,
                              float[] a, int aOffset, int aRowStride, int aColStride, float[] packed, int packedRow0,
                              float[] b, int bOffset, int bRowStride, int bColStride,
                              float[] c, int cOffset, int cRowStride,
                              float[] bias, int biasOffset, int biasStride, boolean add) {
        GemmPacking.Workspace ws = GemmPacking.workspace();
        int mr = shape.rows;
        int nr = shape.vectors * L;
        int ncMax = columnBlock(tuning, nr, kc);
        // Near-equal column blocks of whole panels, so that no block is left with a lone panel for
        // which every A panel would be fetched from L3 once per kernel call.
        int panels = (j1 - j0 + nr - 1) / nr;
        int blocks = (panels + ncMax / nr - 1) / (ncMax / nr);
        float[] bp = ws.b(GemmPacking.packedBSize(kc, Math.min(j1 - j0, ncMax)));
        float[] bb = bias == null ? null : ws.bias(GemmPacking.roundUpToVectors(Math.min(j1 - j0, ncMax)));
        float[] tile = ws.tail(mr * nr);
        int fullEnd = i0 + (i1 - i0) / mr * mr;
        float[] edge = null;
        if (packed == null && fullEnd < i1) {
            // The kernel reads whole R-row panels: the ragged last one goes through a zero-padded copy.
            edge = ws.aEdge(mr * kc);
            GemmPacking.packA(i1 - fullEnd, kc, mr, a, aOffset + fullEnd * aRowStride + pc * aColStride,
                    aRowStride, aColStride, edge, 0);
        }
        for (int q = 0; q < blocks; q++) {
            int jc = j0 + panels * q / blocks * nr;
            int nc = Math.min(j1, j0 + panels * (q + 1) / blocks * nr) - jc;
            GemmPacking.packB(kc, nc, nr, b, bOffset + pc * bRowStride + jc * bColStride, bRowStride, bColStride, bp);
            if (bb != null) {
                GemmPacking.packBias(nc, bias, biasOffset + jc * biasStride, biasStride, bb);
            }
            for (int ir = i0; ir < i1; ir += mr) {
                int rows = Math.min(mr, i1 - ir);
                float[] aa;
                int aBase;
                int aRow;
                int aStep;
                if (packed != null) {
                    aa = packed;
                    aBase = (ir - packedRow0) * kc;
                    aRow = 1;
                    aStep = mr;
                } else if (ir < fullEnd) {
                    aa = a;
                    aBase = aOffset + ir * aRowStride + pc * aColStride;
                    aRow = aRowStride;
                    aStep = aColStride;
                } else {
                    aa = edge;
                    aBase = 0;
                    aRow = 1;
                    aStep = mr;
                }
                int cRow = cOffset + ir * cRowStride + jc;
                for (int jr = 0; jr < nc; jr += nr) {
                    int cols = Math.min(nr, nc - jr);
                    tile(shape, kc, aa, aBase, aRow, aStep, bp, jr * kc, c, cRow + jr, cRowStride, rows, cols, add, bb,
                            jr, tile);
                }
            }
        }
    }

    /**
     * One register tile of {@code shape} ({@link GemmKernels}' arguments): the shape's kernel, or
     * for an 8x2 product's last panel of at most one vector, the 8x1 kernel.
     */
    static void tile(GemmTuning.Tile shape, int kc, float[] a, int aBase, int aRow, int aStep,
                     float[] b, int bBase, float[] c, int cBase, int ldc, int rows, int cols,
                     boolean add, float[] bias, int biasBase, float[] tile) {
        switch (shape) {
            case T5X3 ->
                GemmKernels.kernel5x3(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                        biasBase, tile);
            case T6X4 ->
                GemmKernels.kernel6x4(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                        biasBase, tile);
            case T4X4 ->
                GemmKernels.kernel4x4(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                        biasBase, tile);
            case T6X2 ->
                GemmKernels.kernel6x2(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                        biasBase, tile);
            case T8X2 -> {
                if (cols > L) {
                    GemmKernels.kernel8x2(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                            biasBase, tile);
                } else {
                    GemmKernels.kernel8x1(kc, a, aBase, aRow, aStep, b, bBase, c, cBase, ldc, rows, cols, add, bias,
                            biasBase, tile);
                }
            }
        }
    }

    /**
     * Whether A is packed: in place, the kernel streams A rows (contiguous depths) or one column
     * (R adjacent rows per depth); other strides, and a transposed A deep enough for its panel to
     * leave L1, are packed.
     */
    private static boolean packsA(GemmTuning tuning, int aRowStride, int aColStride, int kc) {
        return aColStride != 1 && (aRowStride != 1 || kc > tuning.inPlaceTransposedK());
    }

    /** Rows of a packed A block [MC, kc]. */
    private static int rowBlock(GemmTuning tuning, int mr, int kc) {
        return Math.max(mr, tuning.aBlockFloats() / kc / mr * mr);
    }

    /** Columns of a packed B block [kc, NC]. */
    private static int columnBlock(GemmTuning tuning, int nr, int kc) {
        return Math.max(nr, tuning.bBlockFloats() / kc / nr * nr);
    }

    /**
     * The blocking {@link #sgemm} uses for one thread's share of an M x N x K product, for tests
     * that probe tile edges: {R, NR, KC, MC, NC}, where KC is the deepest K strip, MC is the
     * packed A block height (M when A is read in place) and NC the widest packed B block.
     */
    static int[] blocking(GemmTuning tuning, int m, int n, int k, int aRowStride, int aColStride) {
        GemmTuning.Tile shape = tuning.tileFor(n);
        int nr = shape.vectors * L;
        int strips = strips(tuning, shape, k);
        int kc = (k + strips - 1) / strips;
        int mc = packsA(tuning, aRowStride, aColStride, kc) ? rowBlock(tuning, shape.rows, kc) : m;
        return new int[] {shape.rows, nr, kc, mc, columnBlock(tuning, nr, kc)};
    }
}
