package dev.jmae.tensor.reference;

import dev.jmae.tensor.Indices;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;
import java.util.Comparator;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference indexing kernels (gather, scatter, index select, stable argsort) on contiguous
 * operands, one element at a time. The {@code cpu} backend shares index select and argsort, which
 * are not on a hot path, and falls back to gather and scatter here for index shapes its own
 * kernels do not cover.
 */
public final class ReferenceIndexing implements IndexingKernels {

    /** Creates the kernels (one instance per backend that uses them). */
    public ReferenceIndexing() {
    }

    /** The offset in a contiguous tensor of x's shape of the multi-index i with i[dim] replaced by idx. */
    private static int offsetWith(int[] index, int[] strides, int dim, int idx) {
        int o = 0;
        for (int d = 0; d < index.length; d++) {
            o += (d == dim ? idx : index[d]) * strides[d];
        }
        return o;
    }

    private static void unravel(int p, int[] shape, int[] index) {
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = p % shape[d];
            p /= shape[d];
        }
    }

    /**
     * torch.gather: out[i] = x[i with i_dim = index[i]].
     *
     * @param out output, index's shape, contiguous
     * @param x input, contiguous
     * @param index indices, contiguous
     * @param dim the dimension
     * @throws IllegalArgumentException if an index is not an integer in [0, x.size(dim))
     */
    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int dim) {
        float[] o = data(out);
        float[] a = data(x);
        float[] ix = data(index);
        int[] shape = index.shape();
        int[] xs = Shape.contiguousStrides(x.shape());
        int size = x.size(dim);
        int[] i = new int[shape.length];
        for (int p = 0, n = index.numel(); p < n; p++) {
            unravel(p, shape, i);
            int idx = Indices.check("gather", ix[index.offset() + p], size);
            o[out.offset() + p] = a[x.offset() + offsetWith(i, xs, dim, idx)];
        }
    }

    /**
     * torch.scatter_ / scatter_add_ in place: out[i with i_dim = index[i]] (+)= src[i].
     *
     * @param out the tensor updated in place, contiguous
     * @param index indices, contiguous
     * @param src values, index's shape, contiguous
     * @param dim the dimension
     * @param add accumulate instead of overwrite
     * @throws IllegalArgumentException if an index is out of range
     */
    @Override
    public void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
        float[] o = data(out);
        float[] ix = data(index);
        float[] s = data(src);
        int[] shape = index.shape();
        int[] os = Shape.contiguousStrides(out.shape());
        int size = out.size(dim);
        int[] i = new int[shape.length];
        for (int p = 0, n = index.numel(); p < n; p++) {
            unravel(p, shape, i);
            int idx = Indices.check(add ? "scatterAdd" : "scatter", ix[index.offset() + p], size);
            int target = out.offset() + offsetWith(i, os, dim, idx);
            o[target] = add ? o[target] + s[src.offset() + p] : s[src.offset() + p];
        }
    }

    /**
     * torch.index_select: out = x with positions index taken along dim.
     *
     * @param out output, contiguous
     * @param x input, contiguous
     * @param index 1-d indices, contiguous
     * @param dim the dimension
     * @throws IllegalArgumentException if an index is out of range
     */
    @Override
    public void indexSelect(Tensor out, Tensor x, Tensor index, int dim) {
        float[] o = data(out);
        float[] a = data(x);
        float[] ix = data(index);
        int[] shape = x.shape();
        int outer = 1;
        for (int d = 0; d < dim; d++) {
            outer *= shape[d];
        }
        int inner = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        int size = shape[dim];
        int len = index.size(0);
        for (int b = 0; b < outer; b++) {
            for (int j = 0; j < len; j++) {
                int idx = Indices.check("indexSelect", ix[index.offset() + j], size);
                System.arraycopy(a, x.offset() + (b * size + idx) * inner, o, out.offset() + (b * len + j) * inner,
                        inner);
            }
        }
    }

    /** Orders floats ascending with NaN after everything; -0.0 and 0.0 compare equal (like PyTorch). */
    private static final Comparator<float[]> ASCENDING = (x, y) -> compare(x[0], y[0]);

    private static int compare(float a, float b) {
        boolean an = Float.isNaN(a);
        boolean bn = Float.isNaN(b);
        if (an || bn) {
            return an == bn ? 0 : an ? 1 : -1;
        }
        return a < b ? -1 : a > b ? 1 : 0;
    }

    /**
     * Stable argsort over the last dim of a contiguous tensor.
     *
     * @param out indices, x's shape, contiguous
     * @param x input, contiguous
     * @param descending largest first (NaN first), else smallest first (NaN last)
     */
    @Override
    public void argsort(Tensor out, Tensor x, boolean descending) {
        float[] o = data(out);
        float[] a = data(x);
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        Comparator<float[]> cmp = descending ? ASCENDING.reversed() : ASCENDING;
        float[][] items = new float[cols][];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                items[c] = new float[] {a[x.offset() + r * cols + c], c};
            }
            Arrays.sort(items, cmp);
            for (int c = 0; c < cols; c++) {
                o[out.offset() + r * cols + c] = items[c][1];
            }
        }
    }
}
