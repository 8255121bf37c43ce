package dev.jmae.tensor;

/**
 * Linear algebra: the batched matrix product with an optional bias, reading transposed and
 * broadcast operands in place.
 *
 * <p>A kernel family of the backend SPI ({@link Backend#linalg()}): every backend implements it in a
 * file with the stem {@code Linalg} ({@code ReferenceLinalg}, {@code CpuLinalg}, {@code ClLinalg}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface LinalgKernels {

    /**
     * Batched matrix product out[..., M, N] = a[..., M, K] · b[..., K, N] (+ bias[N]).
     * Operands may be transposed or expanded views; they are read without copies where the
     * layout allows.
     *
     * @param out output [..., M, N], contiguous
     * @param a left operand, batch dims already equal to out's
     * @param b right operand, batch dims already equal to out's
     * @param bias optional [N] added to every row, or null
     */
    void matmul(Tensor out, Tensor a, Tensor b, Tensor bias);
}
