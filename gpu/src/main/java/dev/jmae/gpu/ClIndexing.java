package dev.jmae.gpu;

import dev.jmae.tensor.Indices;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import org.jocl.cl_mem;

/**
 * Host side of {@code indexing.cl}: gather, scatter / scatterAdd, indexSelect and argsort on
 * contiguous operands. Before a kernel uses indices, {@code indexCheck} scans them on the device
 * and records the first invalid position in a one-int flag; the host reads the flag (the only
 * host round trip of these ops) and, if set, reads that one index element and throws the same
 * {@link IllegalArgumentException} as the reference (via {@link Indices#check}), before anything
 * is written.
 */
final class ClIndexing {

    private static final String FILE = "indexing.cl";

    private final OpenClBackend backend;
    private final ClRuntime rt;
    private cl_mem flag;

    ClIndexing(OpenClBackend backend) {
        this.backend = backend;
        this.rt = backend.runtime();
    }

    private long[] local() {
        return new long[] {backend.elementwiseGroup()};
    }

    /**
     * Validates every element of a contiguous index tensor against a dim of the given size.
     *
     * @throws IllegalArgumentException naming op, the offending value and the size
     */
    private void check(String op, Tensor index, int size) {
        int n = index.numel();
        if (n == 0) {
            return;
        }
        synchronized (rt) {
            if (flag == null) {
                flag = rt.createBuffer(4);
            }
            int[] value = {Integer.MAX_VALUE};
            rt.writeInts(flag, value);
            rt.launch(FILE, "indexCheck", backend.variant(), new long[] {n}, local(), flag, OpenClBackend.storage(index),
                    index.offset(), n, size);
            rt.readInts(flag, value);
            if (value[0] != Integer.MAX_VALUE) {
                float[] bad = new float[1];
                rt.readBuffer(OpenClBackend.storage(index), 4L * (index.offset() + value[0]), bad, 0, 1);
                Indices.check(op, bad[0], size);
                throw new IllegalStateException(op + ": the device flagged index " + bad[0] + " at position " + value[0]
                        + " for a dim of size " + size + ", but it checks out on the host");
            }
        }
    }

    void gather(Tensor out, Tensor x, Tensor index, int dim) {
        check("gather", index, x.size(dim));
        int[] xs = Shape.contiguousStrides(x.shape());
        int xDimStride = xs[dim];
        xs[dim] = 0;
        StridedPlan p = StridedPlan.of(index.shape(), new int[][] {xs}, new int[] {x.offset()});
        int base = 0;
        for (int[] s : p.structs()) {
            rt.launch(FILE, "gather", backend.variant(), new long[] {s[1]}, local(), OpenClBackend.storage(out),
                    out.offset(), OpenClBackend.storage(x), OpenClBackend.storage(index), index.offset(), s, xDimStride,
                    base);
            base += s[1];
        }
    }

    void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
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
                    is[dim], os[dim], add ? 1 : 0);
        }
    }

    void indexSelect(Tensor out, Tensor x, Tensor index, int dim) {
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

    void argsort(Tensor out, Tensor x, boolean descending) {
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        int group = backend.elementwiseGroup();
        rt.launch(FILE, "argsort", backend.variant(), new long[] {cols, rows}, new long[] {group, 1},
                OpenClBackend.storage(out), out.offset(), OpenClBackend.storage(x), x.offset(), cols, rows,
                descending ? 1 : 0);
    }
}
