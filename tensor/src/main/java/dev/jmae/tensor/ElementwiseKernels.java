package dev.jmae.tensor;

/**
 * Elementwise kernels: fill, copy, unary and binary maps (broadcast operands arrive expanded, with
 * stride 0) and {@code where}. Every operand may be an arbitrary strided view on the backend's
 * device.
 *
 * <p>A kernel family of the backend SPI ({@link Backend#elementwise()}): every backend implements it in a
 * file with the stem {@code Elementwise} ({@code ReferenceElementwise}, {@code CpuElementwise}, {@code ClElementwise}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface ElementwiseKernels {

    /**
     * Sets every element of {@code out} to {@code value}.
     *
     * @param out the tensor to fill; may be a strided view
     * @param value the value
     */
    void fill(Tensor out, float value);

    /**
     * Copies src into out elementwise.
     *
     * @param out destination with src's shape; may be a strided view (never overlapping src)
     * @param src source, any strides
     */
    void copy(Tensor out, Tensor src);

    /**
     * out = op(x), elementwise.
     *
     * @param op the function
     * @param out output, x's shape
     * @param x input
     */
    void unary(UnaryOp op, Tensor out, Tensor x);

    /**
     * out = op(a, b), elementwise; a and b are already expanded to out's shape.
     *
     * @param op the function
     * @param out output
     * @param a first input, out's shape (possibly stride-0 broadcast dims)
     * @param b second input, out's shape
     */
    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b);

    /**
     * out = op(a, scalar), elementwise.
     *
     * @param op the function
     * @param out output, a's shape
     * @param a the tensor operand
     * @param scalar the scalar operand (second argument of op)
     */
    void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar);

    /**
     * out = cond != 0 ? a : b, elementwise; all operands already expanded to out's shape.
     *
     * @param out output
     * @param cond condition (non-zero selects a)
     * @param a values where cond is true
     * @param b values where cond is false
     */
    void where(Tensor out, Tensor cond, Tensor a, Tensor b);
}
