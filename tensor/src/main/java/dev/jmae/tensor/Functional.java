package dev.jmae.tensor;

import java.util.Arrays;

/**
 * Neural-network kernels and their backward passes, as functions on tensors (the counterpart of
 * {@code torch.nn.functional}). Autograd wraps each forward/backward pair into one
 * differentiable op; the backward functions here compute local gradients and never accumulate.
 *
 * <p>Shape letters (docs/glossary.md): B batch, H heads, M queries, N keys, Dh head dim, D
 * normalized width.
 */
public final class Functional {

    private Functional() {
    }

    /** Output of {@link #layerNorm}: the result and the per-row statistics backward needs. */
    public record LayerNormOutput(Tensor output, Tensor mean, Tensor rstd) {
    }

    /** Gradients from {@link #layerNormBackward}; dweight/dbias are null when not requested. */
    public record LayerNormGrads(Tensor dx, Tensor dweight, Tensor dbias) {
    }

    /** Output of {@link #scaledDotProductAttention}: the result and the per-query log-sum-exp. */
    public record AttentionOutput(Tensor output, Tensor lse) {
    }

    /** Gradients from {@link #attentionBackward}. */
    public record AttentionGrads(Tensor dq, Tensor dk, Tensor dv) {
    }

    // ------------------------------------------------------------------------------ softmax

    /**
     * Softmax along a dimension, computed stably as exp(x - max) / sum(exp(x - max)).
     * torch.softmax.
     *
     * @param x input, any shape
     * @param dim the dimension
     * @return x's shape
     */
    public static Tensor softmax(Tensor x, int dim) {
        return rowwise(x, dim, false);
    }

    /**
     * Log-softmax along a dimension: x - max - log(sum(exp(x - max))). torch.log_softmax.
     *
     * @param x input
     * @param dim the dimension
     * @return x's shape
     */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return rowwise(x, dim, true);
    }

    /**
     * Softmax backward: dx = y ∘ (dy - sum(dy ∘ y)) along dim.
     *
     * @param y the softmax output
     * @param dy upstream gradient, y's shape
     * @param dim the dimension softmax ran along
     * @return dx, y's shape
     */
    public static Tensor softmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowwiseBackward("softmaxBackward", y, dy, dim, false);
    }

    /**
     * Log-softmax backward: dx = dy - exp(y) ∘ sum(dy) along dim.
     *
     * @param y the log-softmax output
     * @param dy upstream gradient, y's shape
     * @param dim the dimension
     * @return dx, y's shape
     */
    public static Tensor logSoftmaxBackward(Tensor y, Tensor dy, int dim) {
        return rowwiseBackward("logSoftmaxBackward", y, dy, dim, true);
    }

    private static Tensor rowwise(Tensor x, int dim, boolean log) {
        x.checkLive();
        if (x.ndim() == 0) {
            Shape.normalizeDim(log ? "logSoftmax" : "softmax", dim, 0, true);
            x = x.reshape(1);
            return rowwise(x, 0, log).reshape();
        }
        int d = Shape.normalizeDim(log ? "logSoftmax" : "softmax", dim, x.ndim());
        int last = x.ndim() - 1;
        Tensor xt = (d == last ? x : x.transpose(d, last)).contiguous();
        Tensor out = Tensor.empty(x.device(), xt.shape());
        if (log) {
            x.backend().rows().logSoftmaxForward(out, xt);
        } else {
            x.backend().rows().softmaxForward(out, xt);
        }
        return d == last ? out : out.transpose(d, last);
    }

    private static Tensor rowwiseBackward(String op, Tensor y, Tensor dy, int dim, boolean log) {
        y.checkLive();
        dy.checkLive();
        Elementwise.sameDevice(op, y, dy);
        requireSameShape(op, "dy", y, dy);
        if (y.ndim() == 0) {
            Shape.normalizeDim(op, dim, 0, true);
            return rowwiseBackward(op, y.reshape(1), dy.reshape(1), 0, log).reshape();
        }
        int d = Shape.normalizeDim(op, dim, y.ndim());
        int last = y.ndim() - 1;
        Tensor yt = (d == last ? y : y.transpose(d, last)).contiguous();
        Tensor dyt = (d == last ? dy : dy.transpose(d, last)).contiguous();
        Tensor dx = Tensor.empty(y.device(), yt.shape());
        if (log) {
            y.backend().rows().logSoftmaxBackward(dx, yt, dyt);
        } else {
            y.backend().rows().softmaxBackward(dx, yt, dyt);
        }
        return d == last ? dx : dx.transpose(d, last);
    }

    // ------------------------------------------------------------------------------ layer norm

    /**
     * Layer norm over the last dimension: (x - mean)/sqrt(var + eps) * weight + bias with the
     * biased variance, statistics accumulated in at least float32 (double in the reference).
     * torch.nn.functional.layer_norm.
     *
     * @param x input [..., D]
     * @param weight scale [D], or null
     * @param bias shift [D], or null
     * @param eps added to the variance (1e-6 in ViT/MAE/CrossMAE)
     * @return output [..., D], mean [...], rstd [...]
     * @throws IllegalArgumentException if weight or bias is not [D]
     */
    public static LayerNormOutput layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        x.checkLive();
        if (x.ndim() == 0) {
            throw new IllegalArgumentException("layerNorm: expected input [..., D], got a 0-d tensor");
        }
        int[] shape = x.shape();
        int dModel = shape[shape.length - 1];
        checkAffine("layerNorm", "weight", weight, dModel, x);
        checkAffine("layerNorm", "bias", bias, dModel, x);
        Tensor xc = x.contiguous();
        int[] rows = Arrays.copyOf(shape, shape.length - 1);
        Tensor out = Tensor.empty(x.device(), shape);
        Tensor mean = Tensor.empty(x.device(), rows);
        Tensor rstd = Tensor.empty(x.device(), rows);
        x.backend().rows().layerNormForward(out, mean, rstd, xc, contiguousOrNull(weight), contiguousOrNull(bias), eps);
        return new LayerNormOutput(out, mean, rstd);
    }

    /**
     * Layer norm backward (see {@link Backend#layerNormBackward}).
     *
     * @param dy upstream gradient [..., D]
     * @param x the forward input [..., D]
     * @param mean saved mean [...]
     * @param rstd saved rstd [...]
     * @param weight the forward weight [D], or null
     * @param weightGrad whether to compute dweight
     * @param biasGrad whether to compute dbias
     * @return dx [..., D], dweight [D] or null, dbias [D] or null
     */
    public static LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor mean, Tensor rstd, Tensor weight,
                                                   boolean weightGrad, boolean biasGrad) {
        dy.checkLive();
        requireSameShape("layerNormBackward", "dy", x, dy);
        int dModel = x.size(-1);
        checkAffine("layerNormBackward", "weight", weight, dModel, x);
        Tensor dx = Tensor.empty(x.device(), x.shape());
        Tensor dw = weightGrad ? Tensor.empty(x.device(), dModel) : null;
        Tensor db = biasGrad ? Tensor.empty(x.device(), dModel) : null;
        x.backend().rows().layerNormBackward(dx, dw, db, mean.contiguous(), rstd.contiguous(), dy.contiguous(),
                x.contiguous(), contiguousOrNull(weight));
        return new LayerNormGrads(dx, dw, db);
    }

    // ------------------------------------------------------------------------------ GELU

    /**
     * Exact GELU, x/2 · (1 + erf(x/√2)) (torch.nn.GELU() default, not the tanh approximation).
     *
     * @param x input
     * @return x's shape
     */
    public static Tensor gelu(Tensor x) {
        x.checkLive();
        Tensor out = Tensor.empty(x.device(), x.shape());
        x.backend().rows().geluForward(out, x.contiguous());
        return out;
    }

    /**
     * GELU backward: dy · (Φ(x) + x·φ(x)).
     *
     * @param dy upstream gradient
     * @param x the forward input, dy's shape
     * @return dx
     */
    public static Tensor geluBackward(Tensor dy, Tensor x) {
        dy.checkLive();
        x.checkLive();
        requireSameShape("geluBackward", "dy", x, dy);
        Tensor dx = Tensor.empty(x.device(), x.shape());
        x.backend().rows().geluBackward(dx, dy.contiguous(), x.contiguous());
        return dx;
    }

    // ------------------------------------------------------------------------------ attention

    /**
     * Fused scaled dot-product attention, softmax(scale · Q·Kᵀ)·V per batch and head, without
     * materializing the [B, H, M, N] scores. The output is returned as a [B, H, M, Dh] view of a
     * [B, M, H, Dh] buffer, so {@code output.transpose(1, 2).reshape(B, M, H*Dh)} costs no copy.
     * torch.nn.functional.scaled_dot_product_attention (no mask, no dropout).
     *
     * @param q queries [B, H, M, Dh]
     * @param k keys [B, H, N, Dh]
     * @param v values [B, H, N, Dh]
     * @param scale the score scale, normally Dh^-1/2
     * @return output [B, H, M, Dh] and lse [B, H, M] (log-sum-exp of the scaled scores)
     * @throws IllegalArgumentException if the shapes disagree
     */
    public static AttentionOutput scaledDotProductAttention(Tensor q, Tensor k, Tensor v, float scale) {
        int[] s = checkAttention("scaledDotProductAttention", q, k, v);
        int b = s[0];
        int h = s[1];
        int m = s[2];
        int dh = s[4];
        Tensor out = Tensor.empty(q.device(), b, m, h, dh).permute(0, 2, 1, 3);
        Tensor lse = Tensor.empty(q.device(), b, h, m);
        q.backend().attention().attentionForward(out, lse, lastContiguous(q), lastContiguous(k), lastContiguous(v),
                scale);
        return new AttentionOutput(out, lse);
    }

    /**
     * Backward of {@link #scaledDotProductAttention}, recomputing the probabilities from lse.
     * dq is returned as a [B, H, M, Dh] view of a [B, M, H, Dh] buffer, dk and dv likewise.
     *
     * @param dout upstream gradient [B, H, M, Dh]
     * @param q forward queries
     * @param k forward keys
     * @param v forward values
     * @param out forward output
     * @param lse forward log-sum-exp [B, H, M]
     * @param scale forward scale
     * @return dq, dk, dv with q, k, v's shapes
     */
    public static AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                   float scale) {
        int[] s = checkAttention("attentionBackward", q, k, v);
        requireSameShape("attentionBackward", "dout", q, dout);
        requireSameShape("attentionBackward", "out", q, out);
        int b = s[0];
        int h = s[1];
        int m = s[2];
        int n = s[3];
        int dh = s[4];
        if (!Arrays.equals(lse.shape(), new int[] {b, h, m})) {
            throw new IllegalArgumentException("attentionBackward: expected lse [" + b + ", " + h + ", " + m + "], got "
                    + Shape.format(lse.shape()));
        }
        Tensor dq = Tensor.empty(q.device(), b, m, h, dh).permute(0, 2, 1, 3);
        Tensor dk = Tensor.empty(q.device(), b, n, h, dh).permute(0, 2, 1, 3);
        Tensor dv = Tensor.empty(q.device(), b, n, h, dh).permute(0, 2, 1, 3);
        q.backend().attention().attentionBackward(dq, dk, dv, lastContiguous(out), lse.contiguous(),
                lastContiguous(dout),
                lastContiguous(q), lastContiguous(k), lastContiguous(v), scale);
        return new AttentionGrads(dq, dk, dv);
    }

    /**
     * Backward of {@link #scaledDotProductAttention} into caller-provided outputs, which may be
     * strided views (e.g. the q, k and v slices of one packed [B, T, 3, H, Dh] gradient), so a
     * packed projection's gradient is written without extra copies. Overwrites dq, dk and dv.
     *
     * @param dout upstream gradient [B, H, M, Dh]
     * @param q forward queries [B, H, M, Dh]
     * @param k forward keys [B, H, N, Dh]
     * @param v forward values [B, H, N, Dh]
     * @param out forward output
     * @param lse forward log-sum-exp [B, H, M]
     * @param scale forward scale
     * @param dq output like q, last dim contiguous
     * @param dk output like k, last dim contiguous
     * @param dv output like v, last dim contiguous
     * @throws IllegalArgumentException if a shape disagrees or an output's last dim is strided
     */
    public static void attentionBackwardInto(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                             float scale, Tensor dq, Tensor dk, Tensor dv) {
        checkAttention("attentionBackwardInto", q, k, v);
        requireSameShape("attentionBackwardInto", "dout", q, dout);
        requireSameShape("attentionBackwardInto", "out", q, out);
        requireSameShape("attentionBackwardInto", "dq", q, dq);
        requireSameShape("attentionBackwardInto", "dk", k, dk);
        requireSameShape("attentionBackwardInto", "dv", v, dv);
        for (Tensor t : new Tensor[] {dq, dk, dv}) {
            t.checkWritable("attentionBackwardInto");
            if (t.stride(-1) != 1 && t.size(-1) != 1) {
                throw new IllegalArgumentException(
                        "attentionBackwardInto: outputs need a contiguous last dim, got strides "
                                + Arrays.toString(t.strides()));
            }
        }
        q.backend().attention().attentionBackward(dq, dk, dv, lastContiguous(out), lse.contiguous(),
                lastContiguous(dout),
                lastContiguous(q), lastContiguous(k), lastContiguous(v), scale);
    }

    private static int[] checkAttention(String op, Tensor q, Tensor k, Tensor v) {
        q.checkLive();
        k.checkLive();
        v.checkLive();
        Elementwise.sameDevice(op, q, k);
        Elementwise.sameDevice(op, q, v);
        if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
            throw new IllegalArgumentException(op + ": expected q [B, H, M, Dh], k and v [B, H, N, Dh], got "
                    + Shape.format(q.shape()) + ", " + Shape.format(k.shape()) + ", " + Shape.format(v.shape()));
        }
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int dh = q.size(3);
        int n = k.size(2);
        if (k.size(0) != b || k.size(1) != h || k.size(3) != dh || !Arrays.equals(k.shape(), v.shape())) {
            throw new IllegalArgumentException(op
                    + ": expected q [B, H, M, Dh], k and v [B, H, N, Dh] with equal B, H, Dh, got "
                    + Shape.format(q.shape()) + ", " + Shape.format(k.shape()) + ", " + Shape.format(v.shape()));
        }
        return new int[] {b, h, m, n, dh};
    }

    // ------------------------------------------------------------------------------ optimizers

    /**
     * One AdamW step in place, PyTorch semantics (torch.optim.AdamW, foreach=False): decoupled
     * weight decay p -= lr·wd·p, bias-corrected moments, eps added outside the square root.
     *
     * @param param parameter, updated in place; must be contiguous
     * @param expAvg first moment, param's shape, updated in place
     * @param expAvgSq second moment, param's shape, updated in place
     * @param grad gradient, param's shape
     * @param lr learning rate for this step
     * @param beta1 first-moment decay (0.9)
     * @param beta2 second-moment decay (0.95 in MAE pretraining)
     * @param eps denominator epsilon (1e-8)
     * @param weightDecay decoupled weight decay (0.05, or 0 for the no-decay group)
     * @param step 1-based step count for bias correction
     * @throws IllegalArgumentException if shapes differ, a state tensor is not contiguous, or step &lt; 1
     */
    public static void adamwStepInPlace(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr,
                                        float beta1, float beta2, float eps, float weightDecay, int step) {
        for (Tensor t : new Tensor[] {param, expAvg, expAvgSq, grad}) {
            t.checkLive();
            Elementwise.sameDevice("adamwStepInPlace", param, t);
            requireSameShape("adamwStepInPlace", "state", param, t);
        }
        for (Tensor t : new Tensor[] {param, expAvg, expAvgSq}) {
            if (!t.isContiguous()) {
                throw new IllegalArgumentException(
                        "adamwStepInPlace: parameters and moments must be contiguous, got strides "
                                + Arrays.toString(t.strides()) + " for shape " + Shape.format(t.shape()));
            }
        }
        if (step < 1) {
            throw new IllegalArgumentException("adamwStepInPlace: step counts from 1, got " + step);
        }
        param.backend().optim().adamwStep(param, expAvg, expAvgSq, grad.contiguous(), lr, beta1, beta2, eps,
                weightDecay, step);
    }

    // ------------------------------------------------------------------------------ helpers

    private static Tensor lastContiguous(Tensor t) {
        return t.stride(-1) == 1 || t.size(-1) == 1 ? t : t.contiguous();
    }

    private static Tensor contiguousOrNull(Tensor t) {
        return t == null ? null : t.contiguous();
    }

    private static void checkAffine(String op, String name, Tensor t, int dModel, Tensor x) {
        if (t == null) {
            return;
        }
        t.checkLive();
        Elementwise.sameDevice(op, x, t);
        if (t.ndim() != 1 || t.size(0) != dModel) {
            throw new IllegalArgumentException(op + ": expected " + name + " [" + dModel + "] for input "
                    + Shape.format(x.shape()) + ", got " + Shape.format(t.shape()));
        }
    }

    private static void requireSameShape(String op, String name, Tensor expected, Tensor given) {
        if (!Arrays.equals(expected.shape(), given.shape())) {
            throw new IllegalArgumentException(op + ": expected " + name + " of shape " + Shape.format(expected.shape())
                    + ", got " + Shape.format(given.shape()));
        }
    }
}
