package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

/**
 * Multi-head self-attention with a fused qkv projection (timm's Attention): qkv = x·W_qkvᵀ + b
 * split into q | k | v of width D each, heads of width Dh = D/H contiguous inside each, scores
 * q·kᵀ·Dh^-1/2, softmax over keys, heads concatenated, then {@code proj}. No mask, no dropout.
 *
 * <p>x: [B, T, D] → [B, T, D]. Registers {@code qkv} (D → 3D, [3D, D] weight) and {@code proj}
 * (D → D). docs/model.md §7.
 */
public final class Attention extends Module implements Layer {

    private final int dim;
    private final int numHeads;
    private final Linear qkv;
    private final Linear proj;

    /**
     * Creates the layer.
     *
     * @param dim D
     * @param numHeads H, dividing D
     * @param qkvBias whether qkv has a bias (true in ViT/MAE/CrossMAE)
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     * @throws IllegalArgumentException if H does not divide D
     */
    public Attention(int dim, int numHeads, boolean qkvBias, Generator g, Device device) {
        if (numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("Attention: dim " + dim + " is not divisible by numHeads " + numHeads);
        }
        this.dim = dim;
        this.numHeads = numHeads;
        this.qkv = registerModule("qkv", new Linear(dim, 3 * dim, qkvBias, g, device));
        this.proj = registerModule("proj", new Linear(dim, dim, true, g, device));
    }

    /**
     * Attends.
     *
     * @param x [B, T, D]
     * @return [B, T, D]
     * @throws IllegalArgumentException if x is not [B, T, D]
     */
    @Override
    public Variable forward(Variable x) {
        if (x.ndim() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException("Attention(dim=" + dim + "): expected input [B, T, " + dim + "], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return proj.forward(Variable.selfAttention(qkv.forward(x), numHeads));
    }

    /** @return the fused projection */
    public Linear qkv() {
        return qkv;
    }

    /** @return the output projection */
    public Linear proj() {
        return proj;
    }
}
