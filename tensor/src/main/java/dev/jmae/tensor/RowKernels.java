package dev.jmae.tensor;

/**
 * Row-wise neural-network kernels: softmax and log-softmax, layer norm and exact GELU, forward and
 * backward. Operands are contiguous and the kernels work along the last dimension (the tensor
 * layer transposes or copies first).
 *
 * <p>A kernel family of the backend SPI ({@link Backend#rows()}): every backend implements it in a
 * file with the stem {@code Rows} ({@code ReferenceRows}, {@code CpuRows}, {@code ClRows}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface RowKernels {

    /**
     * Softmax over the last dimension: out = exp(x - max) / sum(exp(x - max)) per row.
     *
     * @param out output [R, C] (any leading shape), contiguous
     * @param x input, contiguous
     */
    void softmaxForward(Tensor out, Tensor x);

    /**
     * Softmax backward over the last dimension: dx = y * (dy - sum(dy * y)) per row.
     *
     * @param dx output, contiguous
     * @param y the softmax output saved from forward, contiguous
     * @param dy upstream gradient, contiguous
     */
    void softmaxBackward(Tensor dx, Tensor y, Tensor dy);

    /**
     * Log-softmax over the last dimension: out = x - max - log(sum(exp(x - max))) per row.
     *
     * @param out output, contiguous
     * @param x input, contiguous
     */
    void logSoftmaxForward(Tensor out, Tensor x);

    /**
     * Log-softmax backward over the last dimension: dx = dy - exp(y) * sum(dy) per row.
     *
     * @param dx output, contiguous
     * @param y the log-softmax output saved from forward, contiguous
     * @param dy upstream gradient, contiguous
     */
    void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy);

    /**
     * Layer norm over the last dimension D: out = (x - mean) * rstd * weight + bias, with the
     * biased variance and rstd = 1/sqrt(var + eps).
     *
     * @param out output [..., D], contiguous
     * @param mean saved per-row mean [...] (output, contiguous)
     * @param rstd saved per-row 1/sqrt(var + eps) [...] (output, contiguous)
     * @param x input [..., D], contiguous
     * @param weight [D] contiguous, or null (no scale)
     * @param bias [D] contiguous, or null (no shift)
     * @param eps added to the variance
     */
    void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps);

    /**
     * Layer norm backward. With xhat = (x - mean) * rstd and g = dy * weight:
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dweight = sum over rows of dy * xhat;
     * dbias = sum over rows of dy.
     *
     * @param dx output [..., D], contiguous
     * @param dweight output [D] (overwritten), or null when not wanted
     * @param dbias output [D] (overwritten), or null when not wanted
     * @param mean saved mean [...]
     * @param rstd saved rstd [...]
     * @param dy upstream gradient [..., D], contiguous
     * @param x the forward input [..., D], contiguous
     * @param weight [D] or null (treated as ones)
     */
    void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd,
                           Tensor dy, Tensor x, Tensor weight);

    /**
     * Exact GELU: out = x/2 * (1 + erf(x/sqrt(2))).
     *
     * @param out output, contiguous
     * @param x input, contiguous
     */
    void geluForward(Tensor out, Tensor x);

    /**
     * GELU backward: dx = dy * (Phi(x) + x * phi(x)), Phi the standard normal CDF and phi its
     * density.
     *
     * @param dx output, contiguous
     * @param dy upstream gradient, contiguous
     * @param x the forward input, contiguous
     */
    void geluBackward(Tensor dx, Tensor dy, Tensor x);
}
