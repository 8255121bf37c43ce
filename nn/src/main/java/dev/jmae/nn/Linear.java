package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/**
 * y = x·Wᵀ + b (torch.nn.Linear), the bias fused into the matrix product.
 *
 * <p>x: [..., in] → [..., out]. Registers {@code weight} [out, in] and, with a bias,
 * {@code bias} [out]. Initialized like PyTorch (U(±1/sqrt(in)) for both); models re-initialize.
 */
public final class Linear extends Module implements Layer {

    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * Creates the layer.
     *
     * @param inFeatures input width
     * @param outFeatures output width
     * @param bias whether to add a bias
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator g, Device device) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Linear: expected positive widths, got in=" + inFeatures + ", out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", new Parameter(Tensor.zeros(device, outFeatures, inFeatures)));
        this.bias = bias ? registerParameter("bias", new Parameter(Tensor.zeros(device, outFeatures))) : null;
        Init.pytorchDefault(weight.value(), bias ? this.bias.value() : null, g);
    }

    /**
     * Applies the layer.
     *
     * @param x [..., in]
     * @return [..., out]
     * @throws IllegalArgumentException if the last dim is not in
     */
    @Override
    public Variable forward(Variable x) {
        return x.linear(weight, bias);
    }

    /** @return the weight [out, in] */
    public Parameter weight() {
        return weight;
    }

    /** @return the bias [out], or null */
    public Parameter bias() {
        return bias;
    }

    /** @return in */
    public int inFeatures() {
        return inFeatures;
    }

    /** @return out */
    public int outFeatures() {
        return outFeatures;
    }
}
