package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Indices;
import dev.jmae.tensor.IndexingKernels;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.reference.ReferenceIndexing;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU gather and scatter (torch.gather, scatter_, scatter_add_) on contiguous operands. The
 * masking of MAE and CrossMAE gathers the kept tokens of every image and scatters gradients back
 * (index [B, L', D] along dim 1 of [B, L, D]); the reference kernel, which unravels a multi-index
 * per element, took 3-4% of a training step on the calling thread alone.
 *
 * <p>Viewed around {@code dim}, index has shape [outer, len, inner] and x (or out) [outer', size,
 * inner']. When every dim after {@code dim} has the same size in index and x (inner = inner', the
 * case above), element (o, i, j) reads or writes x's element (o, index, j): this class runs that
 * case a row of inner elements at a time, spread over the pool by outer blocks. Otherwise
 * (index smaller than x in a later dim) it calls {@link ReferenceIndexing}. Index select and
 * argsort, off the hot path, are the reference's. Results are
 * bit-identical to the reference: elements move without arithmetic, and scatter visits the
 * positions of each outer block in row-major order, so the last write wins and additions happen
 * in the same order.
 */
final class CpuIndexing implements IndexingKernels {

    private static final ReferenceIndexing REFERENCE = new ReferenceIndexing();

    CpuIndexing() {
    }

    /**
     * torch.gather: out[o, i, j] = x[o, index[o, i, j], j].
     *
     * @param out output, index's shape, contiguous
     * @param x input, contiguous; every dim except {@code dim} at least as large as index's
     * @param index indices, contiguous
     * @param dim the normalized dim
     * @throws IllegalArgumentException if an index is not an integer in [0, x.size(dim))
     */
    @Override
    public void gather(Tensor out, Tensor x, Tensor index, int dim) {
        if (!sameInner(index, x, dim)) {
            REFERENCE.gather(out, x, index, dim);
            return;
        }
        float[] o = data(out);
        float[] a = data(x);
        float[] ix = data(index);
        Blocks blocks = new Blocks(index, x, dim);
        int len = blocks.len();
        int inner = blocks.inner();
        int size = blocks.size();
        int io = index.offset();
        int oo = out.offset();
        int xo = x.offset();
        int[] ishape = index.shape();
        int[] xshape = x.shape();
        Parallel.forRange(blocks.outer(), blocks.rowsPerTask(), (s, e) -> {
            for (int b = s; b < e; b++) {
                int xb = xo + outerOffset(b, ishape, xshape, dim) * size * inner;
                for (int p = b * len * inner, end = p + len * inner; p < end; p += inner) {
                    for (int j = 0; j < inner; j++) {
                        int idx = Indices.check("gather", ix[io + p + j], size);
                        o[oo + p + j] = a[xb + idx * inner + j];
                    }
                }
            }
        });
    }

    /**
     * torch.scatter_ / scatter_add_ in place: out[o, index[o, i, j], j] (+)= src[o, i, j], the
     * positions of each outer block in row-major order.
     *
     * @param out the tensor updated in place, contiguous
     * @param index indices, contiguous
     * @param src values, index's shape, contiguous
     * @param dim the normalized dim
     * @param add accumulate instead of overwrite
     * @throws IllegalArgumentException if an index is not an integer in [0, out.size(dim))
     */
    @Override
    public void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add) {
        if (!sameInner(index, out, dim)) {
            REFERENCE.scatter(out, index, src, dim, add);
            return;
        }
        float[] o = data(out);
        float[] ix = data(index);
        float[] v = data(src);
        Blocks blocks = new Blocks(index, out, dim);
        int len = blocks.len();
        int inner = blocks.inner();
        int size = blocks.size();
        int io = index.offset();
        int so = src.offset();
        int oo = out.offset();
        int[] ishape = index.shape();
        int[] oshape = out.shape();
        String op = add ? "scatterAdd" : "scatter";
        // outer blocks write disjoint parts of out, so they may run on different threads
        Parallel.forRange(blocks.outer(), blocks.rowsPerTask(), (s, e) -> {
            for (int b = s; b < e; b++) {
                int ob = oo + outerOffset(b, ishape, oshape, dim) * size * inner;
                for (int p = b * len * inner, end = p + len * inner; p < end; p += inner) {
                    for (int j = 0; j < inner; j++) {
                        int t = ob + Indices.check(op, ix[io + p + j], size) * inner + j;
                        o[t] = add ? o[t] + v[so + p + j] : v[so + p + j];
                    }
                }
            }
        });
    }

    /** Whether every dim after {@code dim} has the same size in index and t. */
    private static boolean sameInner(Tensor index, Tensor t, int dim) {
        for (int d = dim + 1; d < index.ndim(); d++) {
            if (index.size(d) != t.size(d)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Index viewed around dim as [outer, len, inner], and the size of t (x or out) along dim.
     */
    private record Blocks(int outer, int len, int inner, int size) {
        Blocks(Tensor index, Tensor t, int dim) {
            this(outer(index, dim), index.size(dim), inner(index, dim), t.size(dim));
        }

        private static int inner(Tensor index, int dim) {
            int n = 1;
            for (int d = dim + 1; d < index.ndim(); d++) {
                n *= index.size(d);
            }
            return n;
        }

        private static int outer(Tensor index, int dim) {
            int n = 1;
            for (int d = 0; d < dim; d++) {
                n *= index.size(d);
            }
            return n;
        }

        /** Outer blocks per task: about PARALLEL_MIN_ELEMENTS index elements. */
        int rowsPerTask() {
            return Math.max(1, CpuBackend.PARALLEL_MIN_ELEMENTS / Math.max(1, len * inner));
        }
    }

    /**
     * The outer block b of index (its dims before {@code dim}, row-major) as a block number of t,
     * whose dims before {@code dim} may be larger.
     */
    private static int outerOffset(int b, int[] ishape, int[] tshape, int dim) {
        int off = 0;
        int stride = 1;
        for (int d = dim - 1; d >= 0; d--) {
            off += (b % ishape[d]) * stride;
            b /= ishape[d];
            stride *= tshape[d];
        }
        return off;
    }

    @Override
    public void indexSelect(Tensor out, Tensor x, Tensor index, int dim) {
        REFERENCE.indexSelect(out, x, index, dim);
    }

    @Override
    public void argsort(Tensor out, Tensor x, boolean descending) {
        REFERENCE.argsort(out, x, descending);
    }
}
