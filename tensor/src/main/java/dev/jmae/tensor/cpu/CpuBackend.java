package dev.jmae.tensor.cpu;

import dev.jmae.tensor.AttentionKernels;
import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.ElementwiseKernels;
import dev.jmae.tensor.HeapStorage;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.LinalgKernels;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.ReductionKernels;
import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.StridedLoop;
import dev.jmae.tensor.Tensor;

/**
 * The default {@code cpu} backend: Vector API kernels ({@code FloatVector.SPECIES_PREFERRED},
 * FMA) on the {@link Parallel} pool, float32 arithmetic and accumulation, over heap storage.
 *
 * <p>Kernel families, one file each: {@link CpuElementwise} (row by row over a {@link StridedLoop}
 * plan, vectorized when a row is contiguous or a broadcast scalar in every operand),
 * {@link CpuReductions}, {@link CpuLinalg} (over {@link Gemm}), {@link CpuRows} (softmax, layer
 * norm, GELU), {@link CpuAttention}, {@link CpuIndexing} and {@link CpuOptim} (AdamW).
 */
public final class CpuBackend implements Backend {

    /** Elements below which an elementwise op stays on the calling thread. */
    static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

    private final MemoryStats memory = new MemoryStats();
    private final CpuElementwise elementwise = new CpuElementwise();
    private final CpuReductions reductions = new CpuReductions();
    private final CpuLinalg linalg = new CpuLinalg();
    private final CpuRows rows = new CpuRows();
    private final CpuAttention attention = new CpuAttention();
    private final CpuIndexing indexing = new CpuIndexing();
    private final CpuOptim optim = new CpuOptim();

    /** Creates the backend (one instance serves the {@code cpu} device). */
    public CpuBackend() {
    }

    static float[] data(Tensor t) {
        return ((HeapStorage) t.storage()).data();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public MemoryStats memory() {
        return memory;
    }

    @Override
    public Storage allocate(int numel) {
        return new HeapStorage(Device.CPU, numel, memory);
    }

    /** Runs a row body over all rows of a plan, in parallel when the work is large enough. */
    static void forEachRow(StridedLoop loop, StridedLoop.Row row) {
        int rows = loop.rows();
        int len = Math.max(1, loop.rowLength());
        if ((long) rows * len < PARALLEL_MIN_ELEMENTS || rows == 1) {
            if (rows == 1 && len >= 2 * PARALLEL_MIN_ELEMENTS) {
                splitSingleRow(loop, row, len);
            } else {
                loop.forRows(0, rows, row);
            }
            return;
        }
        Parallel.forRange(rows, Math.max(1, PARALLEL_MIN_ELEMENTS / len), (s, e) -> loop.forRows(s, e, row));
    }

    /** One long row (a contiguous tensor): split it into pieces by offsetting each operand. */
    private static void splitSingleRow(StridedLoop loop, StridedLoop.Row row, int len) {
        loop.forRows(0, 1, (off, n, st) -> {
            int[] base = off.clone();
            int[] strides = st.clone();
            Parallel.forRange(n, PARALLEL_MIN_ELEMENTS, (s, e) -> {
                int[] o = new int[base.length];
                for (int i = 0; i < o.length; i++) {
                    o[i] = base[i] + s * strides[i];
                }
                row.run(o, e - s, strides);
            });
        });
    }

    // ---- transfer and movement ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.numel());
    }

    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
        float[] s = data(src);
        if (src.isContiguous()) {
            System.arraycopy(s, src.offset(), dst, dstOffset, src.numel());
            return;
        }
        StridedLoop loop = StridedLoop.of(src.shape(), src);
        int len = loop.rowLength();
        loop.forRows(0, loop.rows(), new StridedLoop.Row() {
            int next = dstOffset;

            @Override
            public void run(int[] off, int n, int[] st) {
                for (int i = 0; i < n; i++) {
                    dst[next + i] = s[off[0] + i * st[0]];
                }
                next += len;
            }
        });
    }

    // ---- kernel families ----

    @Override
    public ElementwiseKernels elementwise() {
        return elementwise;
    }

    @Override
    public ReductionKernels reductions() {
        return reductions;
    }

    @Override
    public LinalgKernels linalg() {
        return linalg;
    }

    @Override
    public RowKernels rows() {
        return rows;
    }

    @Override
    public AttentionKernels attention() {
        return attention;
    }

    @Override
    public IndexingKernels indexing() {
        return indexing;
    }

    @Override
    public OptimKernels optim() {
        return optim;
    }
}
