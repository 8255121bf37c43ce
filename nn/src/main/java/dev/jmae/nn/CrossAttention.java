package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

/**
 * Multi-head cross-attention: queries from decoder tokens, keys and values from a context
 * (CrossMAE's CrossAttention). q = x·W_qᵀ + b; kv = context·W_kvᵀ + b split into k | v of width D,
 * heads contiguous inside each; scale Dh^-1/2; softmax over the N context tokens; heads
 * concatenated; {@code proj}.
 *
 * <p>x: [B, M, D], context: [B, N, Dc] → [B, M, D]. Registers {@code q} (D → D), {@code kv}
 * (Dc → 2D, weight [2D, Dc], rows k then v) and {@code proj} (D → D). CrossMAE §3.2, docs/model.md §9.2.
 */
public final class CrossAttention extends Module {

    private final int dim;
    private final int contextDim;
    private final int numHeads;
    private final Linear q;
    private final Linear kv;
    private final Linear proj;

    /**
     * Creates the layer.
     *
     * @param dim D, the query width
     * @param contextDim Dc, the context width
     * @param numHeads H, dividing D
     * @param qkvBias whether q and kv have biases (true in CrossMAE)
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     * @throws IllegalArgumentException if H does not divide D
     */
    public CrossAttention(int dim, int contextDim, int numHeads, boolean qkvBias, Generator g, Device device) {
        if (numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException(
                    "CrossAttention: dim " + dim + " is not divisible by numHeads " + numHeads);
        }
        this.dim = dim;
        this.contextDim = contextDim;
        this.numHeads = numHeads;
        this.q = registerModule("q", new Linear(dim, dim, qkvBias, g, device));
        this.kv = registerModule("kv", new Linear(contextDim, 2 * dim, qkvBias, g, device));
        this.proj = registerModule("proj", new Linear(dim, dim, true, g, device));
    }

    /**
     * Attends from x to context.
     *
     * @param x queries [B, M, D]
     * @param context keys/values source [B, N, Dc]
     * @return [B, M, D]
     * @throws IllegalArgumentException if x's last dim is not D or context's is not Dc
     */
    public Variable forward(Variable x, Variable context) {
        if (x.ndim() != 3 || x.size(2) != dim || context.ndim() != 3 || context.size(2) != contextDim
                || context.size(0) != x.size(0)) {
            throw new IllegalArgumentException("CrossAttention(dim=" + dim + ", contextDim=" + contextDim
                    + "): expected x [B, M, " + dim + "] and context [B, N, " + contextDim + "], got "
                    + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(context.shape()));
        }
        return proj.forward(Variable.crossAttention(q.forward(x), kv.forward(context), numHeads));
    }

    /** @return the query projection */
    public Linear q() {
        return q;
    }

    /** @return the fused key/value projection */
    public Linear kv() {
        return kv;
    }

    /** @return the output projection */
    public Linear proj() {
        return proj;
    }
}
