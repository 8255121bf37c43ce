package dev.jmae.tensor;

/**
 * Reductions along dims: sum, mean, max, min, variance and argmax. Inputs may be arbitrary strided
 * views; outputs are contiguous in keepDim layout.
 *
 * <p>A kernel family of the backend SPI ({@link Backend#reductions()}): every backend implements it in a
 * file with the stem {@code Reductions} ({@code ReferenceReductions}, {@code CpuReductions}, {@code ClReductions}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface ReductionKernels {

    /**
     * Reduces x over {@code dims}.
     *
     * @param op the reduction
     * @param out output with x's rank and size 1 at every reduced dim (keepDim layout)
     * @param x input
     * @param dims sorted, distinct, normalized dims to reduce
     */
    void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims);

    /**
     * Variance over {@code dims}: sum((x - mean)^2) / (n - correction), n the number of reduced
     * elements (correction 0: biased, 1: unbiased).
     *
     * @param out output in keepDim layout
     * @param x input
     * @param dims sorted, distinct, normalized dims
     * @param correction subtracted from n in the divisor
     */
    void var(Tensor out, Tensor x, int[] dims, double correction);

    /**
     * Index of the largest element along {@code dim} (the first one on ties; NaN counts as
     * largest).
     *
     * @param out output in keepDim layout, holding indices as floats
     * @param x input
     * @param dim normalized dim
     */
    void argmax(Tensor out, Tensor x, int dim);
}
