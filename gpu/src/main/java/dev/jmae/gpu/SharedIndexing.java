package dev.jmae.gpu;

import dev.jmae.tensor.Indices;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Host side of {@code kernels/indexing.c}: gather, scatter / scatterAdd, indexSelect and argsort on
 * contiguous operands.
 *
 * <p>Index validation never makes the host wait (a blocking read per op would stall a GPU's queue,
 * and did: one round trip per gather and scatter of every training step). Before a kernel uses
 * indices, {@code indexCheck} scans them on the device into a slot of a small flag buffer (the first
 * invalid position, then {@code indexCheckValue} copies its value); the kernels themselves skip
 * invalid indices, so nothing is read or written out of bounds. The host reads every pending slot
 * in one read at the backend's next {@code read} or {@code synchronize}
 * (or when the slots run out) and throws the reference's {@link IllegalArgumentException} (via
 * {@link Indices#check}) for the first failed op, with a note that it was queued earlier: the
 * semantics of a CUDA device-side assertion, with the op, value and size named. The outputs of an
 * op with an invalid index are unspecified.
 *
 * <p>Shared by the OpenCL backend ({@code ClIndexing}, both variants) and the CUDA backend
 * ({@code CudaIndexing}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedIndexing implements IndexingKernels {

    private static final String FILE = "indexing.c";
    /** Pending checks held before the host reads their flags (two ints each). */
    static final int SLOTS = 256;

    /** One queued validation: the op and the size its indices must stay below. */
    private record Pending(String op, int size) {
    }

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;
    private final List<Pending> pending = new ArrayList<>();
    private KernelLauncher.IntBuffer flags;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedIndexing(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    private long[] local() {
        return new long[] {launcher.elementwiseGroup()};
    }

    /** Queues the validation of every element of a contiguous index tensor against a dim's size. */
    private void check(String op, Tensor index, int size) {
        int n = index.numel();
        if (n == 0) {
            return;
        }
        synchronized (this) {
            if (flags == null) {
                flags = launcher.intBuffer(2 * SLOTS);
                flags.fill(0, 2 * SLOTS, Integer.MAX_VALUE);
            }
            if (pending.size() == SLOTS) {
                flush();
            }
            int slot = pending.size();
            pending.add(new Pending(op, size));
            launcher.launch(FILE, "indexCheck", new long[] {n}, local(), flags, slot,
                    storage(index), index.offset(), n, size);
            launcher.launch(FILE, "indexCheckValue", new long[] {1}, new long[] {1}, flags, slot,
                    storage(index), index.offset());
        }
    }

    /**
     * Reads the flags of every queued validation (one blocking read, counted as a control read) and
     * resets them.
     *
     * @throws IllegalArgumentException for the first queued op whose indices were invalid
     */
    public void flush() {
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            int[] v = new int[2 * pending.size()];
            flags.read(v);
            launcher.memory().recordControlRead();
            List<Pending> checked = List.copyOf(pending);
            pending.clear();
            flags.fill(0, v.length, Integer.MAX_VALUE);
            for (int s = 0; s < checked.size(); s++) {
                if (v[2 * s] != Integer.MAX_VALUE) {
                    Pending p = checked.get(s);
                    float bad = Float.intBitsToFloat(v[2 * s + 1]);
                    try {
                        Indices.check(p.op(), bad, p.size());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage() + "; reported by " + launcher.device()
                                + " at the next read or synchronize after the op was queued (position " + v[2 * s]
                                + " of its index tensor)", e);
                    }
                    throw new IllegalStateException(p.op() + ": the device flagged index " + bad + " at position "
                            + v[2 * s] + " for a dim of size " + p.size() + ", but it checks out on the host");
                }
            }
        }
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
    }

    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int dim) {
        check("gather", index, x.size(dim));
        int[] xs = Shape.contiguousStrides(x.shape());
        int xDimStride = xs[dim];
        xs[dim] = 0;
        StridedPlan p = StridedPlan.of(index.shape(), new int[][] {xs}, new int[] {x.offset()});
        int base = 0;
        for (int[] s : p.structs()) {
            launcher.launch(FILE, "gather", new long[] {s[1]}, local(), storage(out),
                    out.offset(), storage(x), storage(index), index.offset(), s, xDimStride,
                    base, x.size(dim));
            base += s[1];
        }
    }

    @Override
    public void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
        check(add ? "scatterAdd" : "scatter", index, out.size(dim));
        int[] fiberShape = index.shape();
        int len = fiberShape[dim];
        fiberShape[dim] = 1;
        int[] is = Shape.contiguousStrides(index.shape());
        int[] os = Shape.contiguousStrides(out.shape());
        StridedPlan p = StridedPlan.of(fiberShape, new int[][] {is, os}, new int[] {0, out.offset()});
        if (len == 0) {
            return;
        }
        for (int[] s : p.structs()) {
            launcher.launch(FILE, "scatter", new long[] {s[1]}, local(), storage(out),
                    storage(index), index.offset(), storage(src), src.offset(), s, len,
                    is[dim], os[dim], add ? 1 : 0, out.size(dim));
        }
    }

    @Override
    public void indexSelect(Tensor out, Tensor x, Tensor index, int dim) {
        int[] shape = x.shape();
        check("indexSelect", index, shape[dim]);
        int inner = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int n = out.numel();
        launcher.launch(FILE, "indexSelect", new long[] {n}, local(), storage(out),
                out.offset(), storage(x), x.offset(), storage(index), index.offset(),
                shape[dim], index.size(0), inner, n);
    }

    @Override
    public void argsort(Tensor out, Tensor x, boolean descending) {
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int group = launcher.elementwiseGroup();
        launcher.launch(FILE, "argsort", new long[] {cols, rows}, new long[] {group, 1},
                storage(out), out.offset(), storage(x), x.offset(), cols, rows,
                descending ? 1 : 0);
    }
}
