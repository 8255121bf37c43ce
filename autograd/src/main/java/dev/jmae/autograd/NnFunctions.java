package dev.jmae.autograd;

import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Neural-network ops whose backward runs the tensor module's fused kernels
 * ({@link Functional}): softmax, log-softmax, layer norm, GELU and attention; plus dropout and the
 * MSE loss.
 */
final class NnFunctions {

    private NnFunctions() {
    }

    /** softmax (or log-softmax) along a dim; saves the output. */
    static final class Softmax extends Function {
        private final int dim;
        private final boolean log;

        Softmax(int dim, boolean log) {
            this.dim = dim;
            this.log = log;
        }

        Variable apply(Variable x) {
            Tensor y = log ? x.value().logSoftmax(dim) : x.value().softmax(dim);
            save(y);
            return record(y, x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {log ? Functional.logSoftmaxBackward(saved(0), g, dim)
                    : Functional.softmaxBackward(saved(0), g, dim)};
        }
    }

    /** Layer norm over the last dim; saves x, mean, rstd and the weight. Weight and bias are optional. */
    static final class LayerNorm extends Function {
        private final float eps;
        private boolean hasWeight;
        private boolean hasBias;

        LayerNorm(float eps) {
            this.eps = eps;
        }

        Variable apply(Variable x, Variable weight, Variable bias) {
            hasWeight = weight != null;
            hasBias = bias != null;
            Tensor w = hasWeight ? weight.value() : null;
            Functional.LayerNormOutput f = Functional.layerNorm(x.value(), w, hasBias ? bias.value() : null, eps);
            save(x.value(), f.mean(), f.rstd(), w);
            List<Variable> in = new ArrayList<>(List.of(x));
            if (hasWeight) {
                in.add(weight);
            }
            if (hasBias) {
                in.add(bias);
            }
            return record(f.output(), in.toArray(new Variable[0]));
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            int wi = hasWeight ? 1 : -1;
            int bi = hasBias ? (hasWeight ? 2 : 1) : -1;
            Functional.LayerNormGrads gr = Functional.layerNormBackward(g, saved(0), saved(1), saved(2), saved(3),
                    wi > 0 && needsGrad(wi), bi > 0 && needsGrad(bi));
            Tensor[] out = new Tensor[1 + (hasWeight ? 1 : 0) + (hasBias ? 1 : 0)];
            out[0] = needsGrad(0) ? gr.dx() : null;
            if (wi > 0) {
                out[wi] = gr.dweight();
            }
            if (bi > 0) {
                out[bi] = gr.dbias();
            }
            return out;
        }
    }

    /** Exact GELU; saves the input. */
    static final class Gelu extends Function {
        Variable apply(Variable x) {
            save(x.value());
            return record(Functional.gelu(x.value()), x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {Functional.geluBackward(g, saved(0))};
        }
    }

    /** Fused attention; saves q, k, v, the output and the log-sum-exp (never the [B, H, M, N] probabilities). */
    static final class Attention extends Function {
        private final float scale;

        Attention(float scale) {
            this.scale = scale;
        }

        Variable apply(Variable q, Variable k, Variable v) {
            Functional.AttentionOutput f = Functional.scaledDotProductAttention(q.value(), k.value(), v.value(), scale);
            save(q.value(), k.value(), v.value(), f.output(), f.lse());
            return record(f.output(), q, k, v);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Functional.AttentionGrads gr = Functional.attentionBackward(g, saved(0), saved(1), saved(2), saved(3),
                    saved(4), scale);
            return new Tensor[] {needsGrad(0) ? gr.dq() : null, needsGrad(1) ? gr.dk() : null,
                needsGrad(2) ? gr.dv() : null};
        }
    }

    /**
     * Multi-head attention reading its heads straight out of packed projections: a self-attention
     * qkv [B, T, 3·D] (rows q | k | v, heads contiguous inside each, as timm's fused qkv), or a
     * cross-attention q [B, M, D] with kv [B, N, 2·D]. The output [B, M, D] has the heads
     * concatenated in order. Backward writes dq, dk and dv into one packed gradient buffer, so
     * splitting the projection costs no copies in either direction.
     */
    static final class MultiHeadAttention extends Function {
        private final int heads;
        private final float scale;
        private int batch;
        private int m;
        private int n;
        private int dh;

        MultiHeadAttention(int heads, float scale) {
            this.heads = heads;
            this.scale = scale;
        }

        private int headDim(String op, int width) {
            if (width % heads != 0) {
                throw new IllegalArgumentException(
                        op + ": width " + width + " is not divisible by " + heads + " heads");
            }
            return width / heads;
        }

        Variable self(Variable qkv) {
            if (qkv.ndim() != 3 || qkv.size(2) % 3 != 0) {
                throw new IllegalArgumentException(
                        "selfAttention: expected qkv [B, T, 3*D], got " + Arrays.toString(qkv.shape()));
            }
            batch = qkv.size(0);
            m = qkv.size(1);
            n = m;
            dh = headDim("selfAttention", qkv.size(2) / 3);
            Tensor p = qkv.value().reshape(batch, m, 3, heads, dh).permute(2, 0, 3, 1, 4);
            return run(p.select(0, 0), p.select(0, 1), p.select(0, 2), qkv);
        }

        Variable cross(Variable q, Variable kv) {
            if (q.ndim() != 3 || kv.ndim() != 3 || q.size(0) != kv.size(0) || kv.size(2) != 2 * q.size(2)) {
                throw new IllegalArgumentException("crossAttention: expected q [B, M, D] and kv [B, N, 2*D], got "
                        + Arrays.toString(q.shape()) + " and " + Arrays.toString(kv.shape()));
            }
            batch = q.size(0);
            m = q.size(1);
            n = kv.size(1);
            dh = headDim("crossAttention", q.size(2));
            Tensor qh = q.value().reshape(batch, m, heads, dh).transpose(1, 2);
            Tensor p = kv.value().reshape(batch, n, 2, heads, dh).permute(2, 0, 3, 1, 4);
            return run(qh, p.select(0, 0), p.select(0, 1), q, kv);
        }

        private Variable run(Tensor q, Tensor k, Tensor v, Variable... inputs) {
            Functional.AttentionOutput f = Functional.scaledDotProductAttention(q, k, v, scale);
            save(q, k, v, f.output(), f.lse());
            // output [B, H, M, Dh] is a view of a [B, M, H, Dh] buffer: merging heads is free
            return record(f.output().transpose(1, 2).reshape(batch, m, heads * dh), inputs);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor dout = g.reshape(batch, m, heads, dh).transpose(1, 2);
            if (inputs().size() == 1) {
                Tensor dqkv = Tensor.empty(g.device(), batch, m, 3, heads, dh);
                Tensor p = dqkv.permute(2, 0, 3, 1, 4);
                Functional.attentionBackwardInto(dout, saved(0), saved(1), saved(2), saved(3), saved(4), scale,
                        p.select(0, 0), p.select(0, 1), p.select(0, 2));
                return new Tensor[] {dqkv.reshape(batch, m, 3 * heads * dh)};
            }
            Tensor dq = Tensor.empty(g.device(), batch, m, heads, dh);
            Tensor dkv = Tensor.empty(g.device(), batch, n, 2, heads, dh);
            Tensor p = dkv.permute(2, 0, 3, 1, 4);
            Functional.attentionBackwardInto(dout, saved(0), saved(1), saved(2), saved(3), saved(4), scale,
                    dq.transpose(1, 2), p.select(0, 0), p.select(0, 1));
            return new Tensor[] {
                needsGrad(0) ? dq.reshape(batch, m, heads * dh) : null,
                needsGrad(1) ? dkv.reshape(batch, n, 2 * heads * dh) : null};
        }
    }

    /** Inverted dropout with a mask drawn on the host from an explicit generator; saves the scaled mask. */
    static final class Dropout extends Function {
        private final float p;
        private final Generator generator;

        Dropout(float p, Generator generator) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout: expected p in [0, 1), got " + p);
            }
            this.p = p;
            this.generator = generator;
        }

        Variable apply(Variable x) {
            float[] m = new float[x.numel()];
            float keep = 1f / (1f - p);
            for (int i = 0; i < m.length; i++) {
                m[i] = generator.nextFloat() >= p ? keep : 0f;
            }
            Tensor mask = Tensor.of(x.device(), m, x.shape());
            save(mask);
            return record(x.value().mul(mask), x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.mul(saved(0))};
        }
    }

    /** mean((pred - target)²); d/dpred = 2(pred - target)/n. */
    static final class MseLoss extends Function {
        private Tensor target;

        MseLoss(Tensor target) {
            this.target = target;
        }

        Variable apply(Variable pred) {
            if (!Arrays.equals(pred.shape(), target.shape())) {
                throw new IllegalArgumentException(
                        "mseLoss: expected a target of shape " + Arrays.toString(pred.shape())
                                + ", got " + Arrays.toString(target.shape()));
            }
            Tensor diff = pred.value().sub(target);
            target = null;
            save(diff);
            return record(diff.square().mean(), pred);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor diff = saved(0);
            return new Tensor[] {diff.mul(g.mul(2f / diff.numel()))};
        }
    }
}
