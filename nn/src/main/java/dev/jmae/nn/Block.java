package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

/**
 * A pre-norm transformer block (timm's Block): x = x + DropPath(Attn(LN1(x))); x = x +
 * DropPath(Mlp(LN2(x))). No layer scale.
 *
 * <p>x: [B, T, D] → [B, T, D]. Registers {@code norm1}, {@code attn}, {@code norm2}, {@code mlp}.
 * docs/model.md §7.
 */
public final class Block extends Module implements Layer {

    private final LayerNorm norm1;
    private final Attention attn;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final DropPath dropPath;

    /**
     * Creates a block without stochastic depth (as in pretraining).
     *
     * @param dim D
     * @param numHeads H
     * @param mlpRatio hidden width / D (4 in ViT)
     * @param qkvBias whether qkv has a bias
     * @param eps layer-norm eps (1e-6)
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public Block(int dim, int numHeads, double mlpRatio, boolean qkvBias, float eps, Generator g, Device device) {
        this(dim, numHeads, mlpRatio, qkvBias, eps, 0f, g, device);
    }

    /**
     * Creates a block.
     *
     * @param dim D
     * @param numHeads H
     * @param mlpRatio hidden width / D
     * @param qkvBias whether qkv has a bias
     * @param eps layer-norm eps
     * @param dropPath stochastic-depth probability of both branches (0 disables)
     * @param g randomness for initialization and drop path
     * @param device where the parameters live
     */
    public Block(int dim, int numHeads, double mlpRatio, boolean qkvBias, float eps, float dropPath, Generator g,
                 Device device) {
        this.norm1 = registerModule("norm1", new LayerNorm(dim, eps, device));
        this.attn = registerModule("attn", new Attention(dim, numHeads, qkvBias, g, device));
        this.norm2 = registerModule("norm2", new LayerNorm(dim, eps, device));
        this.mlp = registerModule("mlp", new Mlp(dim, (int) (dim * mlpRatio), dim, g, device));
        // registered so train()/eval() reach it; it has no parameters, so the state dict is unchanged
        this.dropPath = dropPath > 0 ? registerModule("drop_path", new DropPath(dropPath, g.fork())) : null;
    }

    @Override
    public Variable forward(Variable x) {
        Variable a = attn.forward(norm1.forward(x));
        Variable h = x.add(dropPath == null ? a : dropPath.forward(a));
        Variable m = mlp.forward(norm2.forward(h));
        return h.add(dropPath == null ? m : dropPath.forward(m));
    }

    /** @return the stochastic depth of both branches, or null when the rate is 0 */
    public DropPath dropPath() {
        return dropPath;
    }

    /** @return the attention */
    public Attention attn() {
        return attn;
    }

    /** @return the MLP */
    public Mlp mlp() {
        return mlp;
    }

    /** @return norm1 */
    public LayerNorm norm1() {
        return norm1;
    }

    /** @return norm2 */
    public LayerNorm norm2() {
        return norm2;
    }
}
