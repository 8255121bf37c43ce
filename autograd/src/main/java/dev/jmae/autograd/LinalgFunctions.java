package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;

/** Matrix products: matmul with PyTorch semantics and the fused Linear layer. */
final class LinalgFunctions {

    private LinalgFunctions() {
    }

    /**
     * a·b with broadcast batch dims: dA = dY·Bᵀ, dB = Aᵀ·dY, each summed over the batch dims its
     * operand was broadcast along. 1-d operands are handled by unsqueezing them first.
     */
    static final class Matmul extends Function {
        private int[] aShape;
        private int[] bShape;

        Variable apply(Variable a, Variable b) {
            aShape = a.shape();
            bShape = b.shape();
            save(a.value(), b.value());
            return record(a.value().matmul(b.value()), a, b);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor a = saved(0);
            Tensor b = saved(1);
            boolean aVec = aShape.length == 1;
            boolean bVec = bShape.length == 1;
            Tensor a2 = aVec ? a.unsqueeze(0) : a;
            Tensor b2 = bVec ? b.unsqueeze(1) : b;
            Tensor g2 = g;
            if (aVec) {
                g2 = g2.unsqueeze(-2);
            }
            if (bVec) {
                g2 = g2.unsqueeze(-1);
            }
            Tensor da = null;
            Tensor db = null;
            if (needsGrad(0)) {
                Tensor full = g2.matmul(b2.transpose(-2, -1));
                da = Grads.sumToShape(full, a2.shape()).reshape(aShape);
            }
            if (needsGrad(1)) {
                if (b2.ndim() == 2 && a2.ndim() > 2) {
                    // b was broadcast over every batch dim: one [K, R]·[R, N] product over the flattened rows
                    int k = a2.size(-1);
                    int n = g2.size(-1);
                    db = a2.reshape(-1, k).transpose(0, 1).matmul(g2.reshape(-1, n)).reshape(bShape);
                } else {
                    Tensor full = a2.transpose(-2, -1).matmul(g2);
                    db = Grads.sumToShape(full, b2.shape()).reshape(bShape);
                }
            }
            return new Tensor[] {da, db};
        }
    }

    /**
     * y = x·Wᵀ + b with x [..., in], W [out, in], b [out]: dx = dy·W, dW = dyᵀ·x over all rows,
     * db = sum of dy over all rows.
     */
    static final class Linear extends Function {
        private int[] xShape;

        Variable apply(Variable x, Variable weight, Variable bias) {
            xShape = x.shape();
            save(x.value(), weight.value());
            Tensor y = x.value().linear(weight.value(), bias == null ? null : bias.value());
            return bias == null ? record(y, x, weight) : record(y, x, weight, bias);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            Tensor w = saved(1);
            int in = w.size(1);
            int out = w.size(0);
            Tensor[] grads = new Tensor[inputs().size()];
            if (needsGrad(0)) {
                grads[0] = g.matmul(w).reshape(xShape);
            }
            Tensor g2 = g.reshape(-1, out);
            if (needsGrad(1)) {
                grads[1] = g2.transpose(0, 1).matmul(x.reshape(-1, in));
            }
            if (grads.length > 2 && needsGrad(2)) {
                grads[2] = g2.sum(0, false);
            }
            return grads;
        }
    }
}
