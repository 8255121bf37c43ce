package dev.jmae.tensor;

/**
 * Optimizer updates fused into one kernel per parameter: AdamW with PyTorch's operation order.
 *
 * <p>A kernel family of the backend SPI ({@link Backend#optim()}): every backend implements it in a
 * file with the stem {@code Optim} ({@code ReferenceOptim}, {@code CpuOptim}, {@code ClOptim}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface OptimKernels {

    /**
     * One fused AdamW update (PyTorch semantics, in place):
     * p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
     * p -= lr/(1-β1^t) · m / (sqrt(v/(1-β2^t)) + eps).
     *
     * @param param parameter, updated in place, contiguous
     * @param expAvg first moment m, updated in place, contiguous
     * @param expAvgSq second moment v, updated in place, contiguous
     * @param grad gradient g, contiguous
     * @param lr learning rate for this step
     * @param beta1 first-moment decay
     * @param beta2 second-moment decay
     * @param eps added to the bias-corrected sqrt(v)
     * @param weightDecay decoupled weight decay factor
     * @param step the 1-based step number t, for bias correction
     */
    void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1,
                   float beta2, float eps, float weightDecay, int step);
}
