package dev.jmae.gpu;

import dev.jmae.tensor.Indices;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import org.jocl.cl_mem;

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
 * in one read at the backend's next {@link OpenClBackend#read} or {@link OpenClBackend#synchronize}
 * (or when the slots run out) and throws the reference's {@link IllegalArgumentException} (via
 * {@link Indices#check}) for the first failed op, with a note that it was queued earlier: the
 * semantics of a CUDA device-side assertion, with the op, value and size named. The outputs of an
 * op with an invalid index are unspecified.
 */
final class ClIndexing implements IndexingKernels {

    private static final String FILE = "indexing.c";
    /** Pending checks held before the host reads their flags (two ints each). */
    static final int SLOTS = 256;

    /** One queued validation: the op and the size its indices must stay below. */
    private record Pending(String op, int size) {
    }

    private final OpenClBackend backend;
    private final ClRuntime rt;
    private final List<Pending> pending = new ArrayList<>();
    private cl_mem flags;

    ClIndexing(OpenClBackend backend) {
        this.backend = backend;
        this.rt = backend.runtime();
    }

    private long[] local() {
        return new long[] {backend.elementwiseGroup()};
    }

    /** Queues the validation of every element of a contiguous index tensor against a dim's size. */
    private void check(String op, Tensor index, int size) {
        int n = index.numel();
        if (n == 0) {
            return;
        }
        synchronized (rt) {
            if (flags == null) {
                flags = rt.createBuffer(8L * SLOTS);
                rt.fillInts(flags, 0, 2 * SLOTS, Integer.MAX_VALUE);
            }
            if (pending.size() == SLOTS) {
                flush();
            }
            int slot = pending.size();
            pending.add(new Pending(op, size));
            rt.launch(FILE, "indexCheck", backend.variant(), new long[] {n}, local(), flags, slot,
                    OpenClBackend.storage(index), index.offset(), n, size);
            rt.launch(FILE, "indexCheckValue", backend.variant(), new long[] {1}, new long[] {1}, flags, slot,
                    OpenClBackend.storage(index), index.offset());
        }
    }

    /**
     * Reads the flags of every queued validation (one blocking read, counted as a control read) and
     * resets them.
     *
     * @throws IllegalArgumentException for the first queued op whose indices were invalid
     */
    void flush() {
        synchronized (rt) {
            if (pending.isEmpty()) {
                return;
            }
            int[] v = new int[2 * pending.size()];
            rt.readInts(flags, v);
            backend.memory().recordControlRead();
            List<Pending> checked = List.copyOf(pending);
            pending.clear();
            rt.fillInts(flags, 0, v.length, Integer.MAX_VALUE);
            for (int s = 0; s < checked.size(); s++) {
                if (v[2 * s] != Integer.MAX_VALUE) {
                    Pending p = checked.get(s);
                    float bad = Float.intBitsToFloat(v[2 * s + 1]);
                    try {
                        Indices.check(p.op(), bad, p.size());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage() + "; reported by " + backend.device()
                                + " at the next read or synchronize after the op was queued (position " + v[2 * s]
                                + " of its index tensor)", e);
                    }
                    throw new IllegalStateException(p.op() + ": the device flagged index " + bad + " at position "
                            + v[2 * s] + " for a dim of size " + p.size() + ", but it checks out on the host");
                }
            }
        }
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
            rt.launch(FILE, "gather", backend.variant(), new long[] {s[1]}, local(), OpenClBackend.storage(out),
                    out.offset(), OpenClBackend.storage(x), OpenClBackend.storage(index), index.offset(), s, xDimStride,
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
            rt.launch(FILE, "scatter", backend.variant(), new long[] {s[1]}, local(), OpenClBackend.storage(out),
                    OpenClBackend.storage(index), index.offset(), OpenClBackend.storage(src), src.offset(), s, len,
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
        rt.launch(FILE, "indexSelect", backend.variant(), new long[] {n}, local(), OpenClBackend.storage(out),
                out.offset(), OpenClBackend.storage(x), x.offset(), OpenClBackend.storage(index), index.offset(),
                shape[dim], index.size(0), inner, n);
    }

    @Override
    public void argsort(Tensor out, Tensor x, boolean descending) {
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int group = backend.elementwiseGroup();
        rt.launch(FILE, "argsort", backend.variant(), new long[] {cols, rows}, new long[] {group, 1},
                OpenClBackend.storage(out), out.offset(), OpenClBackend.storage(x), x.offset(), cols, rows,
                descending ? 1 : 0);
    }
}
