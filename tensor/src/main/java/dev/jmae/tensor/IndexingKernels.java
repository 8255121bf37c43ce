package dev.jmae.tensor;

/**
 * Indexing kernels on contiguous operands: gather, scatter / scatterAdd, index select and a stable
 * argsort. Index tensors hold integer values stored as float32 (exact up to 2^24); a backend must
 * reject an index outside its dimension with {@link IllegalArgumentException} rather than read or
 * write out of bounds (a device backend may report it at its next synchronization point, naming
 * the op).
 *
 * <p>A kernel family of the backend SPI ({@link Backend#indexing()}): every backend implements it in a
 * file with the stem {@code Indexing} ({@code ReferenceIndexing}, {@code CpuIndexing}, {@code ClIndexing}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface IndexingKernels {

    /**
     * out[i...] = x[i with i_dim replaced by index[i...]] (torch.gather).
     *
     * @param out output, index's shape, contiguous
     * @param x input, contiguous; every dim except {@code dim} at least as large as index's
     * @param index indices along dim, contiguous
     * @param dim normalized dim
     */
    void gather(Tensor out, Tensor x, Tensor index, int dim);

    /**
     * For every position i of index: out[i with i_dim = index[i]] = src[i] (or += when
     * {@code add}); out is updated in place (torch.scatter_ / scatter_add_). Without add, when
     * several positions target the same element the last one in row-major order wins.
     *
     * @param out the tensor to update in place, contiguous
     * @param index indices along dim, contiguous
     * @param src values with index's shape, contiguous
     * @param dim normalized dim
     * @param add accumulate instead of overwrite
     */
    void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add);

    /**
     * out = x with dimension {@code dim} taken at the positions in {@code index} (torch.index_select).
     *
     * @param out output: x's shape with size(dim) = index length, contiguous
     * @param x input, contiguous
     * @param index 1-d indices, contiguous
     * @param dim normalized dim
     */
    void indexSelect(Tensor out, Tensor x, Tensor index, int dim);

    /**
     * Stable sort order over the last dimension: for each row, the indices of x's elements in
     * ascending (or descending) order; equal elements keep their original order. NaN sorts
     * after every number when ascending and before every number when descending.
     *
     * @param out output indices, x's shape, contiguous
     * @param x input, contiguous
     * @param descending sort largest first
     */
    void argsort(Tensor out, Tensor x, boolean descending);
}
