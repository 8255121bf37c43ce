package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

/**
 * The transformer MLP (timm's Mlp): fc1, exact GELU, fc2, no dropout.
 *
 * <p>x: [..., in] → [..., out]. Registers {@code fc1} (in → hidden) and {@code fc2} (hidden → out).
 */
public final class Mlp extends Module implements Layer {

    private final Linear fc1;
    private final Linear fc2;

    /**
     * Creates the MLP.
     *
     * @param inFeatures input width
     * @param hiddenFeatures hidden width (4·D in ViT)
     * @param outFeatures output width
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public Mlp(int inFeatures, int hiddenFeatures, int outFeatures, Generator g, Device device) {
        this.fc1 = registerModule("fc1", new Linear(inFeatures, hiddenFeatures, true, g, device));
        this.fc2 = registerModule("fc2", new Linear(hiddenFeatures, outFeatures, true, g, device));
    }

    @Override
    public Variable forward(Variable x) {
        return fc2.forward(fc1.forward(x).gelu());
    }

    /** @return the first layer */
    public Linear fc1() {
        return fc1;
    }

    /** @return the second layer */
    public Linear fc2() {
        return fc2;
    }
}
