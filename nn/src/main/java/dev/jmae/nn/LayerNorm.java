package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

/**
 * Layer norm over the last dimension with the biased variance: (x - mean)/sqrt(var + eps)·weight +
 * bias (torch.nn.LayerNorm). x: [..., D] → [..., D]. Registers {@code weight} [D] (ones) and
 * {@code bias} [D] (zeros) when affine. ViT, MAE and CrossMAE use eps 1e-6.
 */
public final class LayerNorm extends Module implements Layer {

    private final int normalizedShape;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * Creates an affine layer norm.
     *
     * @param normalizedShape D
     * @param eps added to the variance
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public LayerNorm(int normalizedShape, float eps, Device device) {
        this(normalizedShape, eps, true, device);
    }

    /**
     * Creates a layer norm.
     *
     * @param normalizedShape D
     * @param eps added to the variance
     * @param elementwiseAffine whether to learn weight and bias
     * @param device where the parameters live
     */
    public LayerNorm(int normalizedShape, float eps, boolean elementwiseAffine, Device device) {
        if (normalizedShape <= 0 || !(eps >= 0)) {
            throw new IllegalArgumentException(
                    "LayerNorm: expected a positive width and eps >= 0, got " + normalizedShape + ", " + eps);
        }
        this.normalizedShape = normalizedShape;
        this.eps = eps;
        this.weight = elementwiseAffine
                ? registerParameter("weight", new Parameter(Tensor.ones(device, normalizedShape))) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", new Parameter(Tensor.zeros(device, normalizedShape)))
                : null;
    }

    /**
     * Normalizes.
     *
     * @param x [..., D]
     * @return [..., D]
     * @throws IllegalArgumentException if the last dim is not D
     */
    @Override
    public Variable forward(Variable x) {
        if (x.ndim() == 0 || x.size(-1) != normalizedShape) {
            throw new IllegalArgumentException(
                    "LayerNorm(" + normalizedShape + "): expected input [..., " + normalizedShape
                            + "], got " + java.util.Arrays.toString(x.shape()));
        }
        return x.layerNorm(weight, bias, eps);
    }

    /** @return the weight, or null */
    public Parameter weight() {
        return weight;
    }

    /** @return the bias, or null */
    public Parameter bias() {
        return bias;
    }

    /** @return eps */
    public float eps() {
        return eps;
    }
}
