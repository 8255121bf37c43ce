package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Attention;
import dev.jmae.nn.CrossAttention;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Mlp;
import dev.jmae.nn.Module;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

/**
 * CrossMAE's decoder block (docs/model.md §9.2): optionally x = x + SelfAttn(LN0(x)) among the queries
 * only; then x = x + CrossAttn(LN1(x), y); then x = x + Mlp(LN2(x)). Each query's output depends
 * only on itself and y unless self-attention is on.
 *
 * <p>x: [N, M, Dd], y: [N, T, D] → [N, M, Dd]. Registers {@code norm0} and {@code self_attn}
 * (with self-attention), {@code norm1}, {@code cross_attn} (q Dd→Dd, kv D→2Dd, proj), {@code norm2},
 * {@code mlp}. LayerNorm eps 1e-6 in the published models.
 */
public final class CrossAttentionBlock extends Module {

    private final LayerNorm norm0;
    private final Attention selfAttn;
    private final LayerNorm norm1;
    private final CrossAttention crossAttn;
    private final LayerNorm norm2;
    private final Mlp mlp;

    /**
     * Creates the block.
     *
     * @param dim Dd, the query width
     * @param contextDim D, the encoder width
     * @param numHeads decoder heads
     * @param mlpRatio MLP hidden width / Dd
     * @param selfAttn whether to add self-attention among the queries
     * @param eps layer-norm eps
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public CrossAttentionBlock(int dim, int contextDim, int numHeads, double mlpRatio, boolean selfAttn, float eps,
                               Generator g, Device device) {
        this.norm0 = selfAttn ? registerModule("norm0", new LayerNorm(dim, eps, device)) : null;
        this.selfAttn = selfAttn ? registerModule("self_attn", new Attention(dim, numHeads, true, g, device)) : null;
        this.norm1 = registerModule("norm1", new LayerNorm(dim, eps, device));
        this.crossAttn = registerModule("cross_attn", new CrossAttention(dim, contextDim, numHeads, true, g, device));
        this.norm2 = registerModule("norm2", new LayerNorm(dim, eps, device));
        this.mlp = registerModule("mlp", new Mlp(dim, (int) (dim * mlpRatio), dim, g, device));
    }

    /**
     * Applies the block.
     *
     * @param x queries [N, M, Dd]
     * @param y keys/values source [N, T, D]
     * @return [N, M, Dd]
     */
    public Variable forward(Variable x, Variable y) {
        if (selfAttn != null) {
            x = x.add(selfAttn.forward(norm0.forward(x)));
        }
        x = x.add(crossAttn.forward(norm1.forward(x), y));
        return x.add(mlp.forward(norm2.forward(x)));
    }
}
