package dev.jmae.tensor.reference;

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
 * The {@code reference} backend: the executable specification every other backend is tested
 * against. Plain loops, one element at a time, arithmetic and accumulation in double precision,
 * results rounded to float32 once at the end. No threads, no vectors; clarity over speed.
 *
 * <p>Kernel families, one file each: {@link ReferenceElementwise}, {@link ReferenceReductions},
 * {@link ReferenceLinalg} (over {@link ReferenceGemm}), {@link ReferenceRows},
 * {@link ReferenceAttention}, {@link ReferenceIndexing} and {@link ReferenceOptim}.
 */
public final class ReferenceBackend implements Backend {

    private final MemoryStats memory = new MemoryStats();
    private final ReferenceElementwise elementwise = new ReferenceElementwise();
    private final ReferenceReductions reductions = new ReferenceReductions();
    private final ReferenceLinalg linalg = new ReferenceLinalg();
    private final ReferenceRows rows = new ReferenceRows();
    private final ReferenceAttention attention = new ReferenceAttention();
    private final ReferenceIndexing indexing = new ReferenceIndexing();
    private final ReferenceOptim optim = new ReferenceOptim();

    /** Creates the backend (one instance serves the {@code reference} device). */
    public ReferenceBackend() {
    }

    static float[] data(Tensor t) {
        return ((HeapStorage) t.storage()).data();
    }

    @Override
    public Device device() {
        return Device.REFERENCE;
    }

    @Override
    public MemoryStats memory() {
        return memory;
    }

    @Override
    public Storage allocate(int numel) {
        return new HeapStorage(Device.REFERENCE, numel, memory);
    }

    // ---- host transfers ----

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.numel());
    }

    @Override
    public void read(float[] dst, int dstOffset, Tensor src) {
        float[] s = data(src);
        int[] next = {dstOffset};
        forEach(src.shape(), new Tensor[] {src}, (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                dst[next[0]++] = s[off[0] + i * st[0]];
            }
        });
    }

    /** Visits every element of same-shape operands, row by row. */
    static void forEach(int[] shape, Tensor[] operands, StridedLoop.Row row) {
        StridedLoop loop = StridedLoop.of(shape, operands);
        loop.forRows(0, loop.rows(), row);
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
