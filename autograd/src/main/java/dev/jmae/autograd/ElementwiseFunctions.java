package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;

/**
 * Elementwise differentiable ops. Binary ops broadcast; their gradients are reduced back to each
 * input's shape with {@link Grads#sumToShape}. Each class states its local derivative.
 */
final class ElementwiseFunctions {

    private ElementwiseFunctions() {
    }

    /** Base for one-input ops: records the output and saves what {@link #save} is given. */
    abstract static class Unary extends Function {
        Variable apply(Variable x) {
            return record(forward(x.value()), x);
        }

        abstract Tensor forward(Tensor x);

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {grad(g)};
        }

        abstract Tensor grad(Tensor g);
    }

    /** Base for two-input broadcasting ops. */
    abstract static class Binary extends Function {
        private int[] aShape;
        private int[] bShape;

        Variable apply(Variable a, Variable b) {
            aShape = a.shape();
            bShape = b.shape();
            return record(forward(a.value(), b.value()), a, b);
        }

        abstract Tensor forward(Tensor a, Tensor b);

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] raw = grads(g);
            return new Tensor[] {
                needsGrad(0) ? Grads.sumToShape(raw[0], aShape) : null,
                needsGrad(1) ? Grads.sumToShape(raw[1], bShape) : null};
        }

        /** Gradients for the broadcast shape; entries for inputs without needsGrad may be null. */
        abstract Tensor[] grads(Tensor g);
    }

    /** a + b: d/da = 1, d/db = 1. */
    static final class Add extends Binary {
        @Override
        Tensor forward(Tensor a, Tensor b) {
            return a.add(b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            return new Tensor[] {g, g};
        }
    }

    /** a - b: d/da = 1, d/db = -1. */
    static final class Sub extends Binary {
        @Override
        Tensor forward(Tensor a, Tensor b) {
            return a.sub(b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            return new Tensor[] {g, needsGrad(1) ? g.neg() : null};
        }
    }

    /** a * b: d/da = b, d/db = a. */
    static final class Mul extends Binary {
        @Override
        Tensor forward(Tensor a, Tensor b) {
            save(a, b);
            return a.mul(b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            return new Tensor[] {needsGrad(0) ? g.mul(saved(1)) : null, needsGrad(1) ? g.mul(saved(0)) : null};
        }
    }

    /** a / b: d/da = 1/b, d/db = -a/b². */
    static final class Div extends Binary {
        @Override
        Tensor forward(Tensor a, Tensor b) {
            save(a, b);
            return a.div(b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            Tensor b = saved(1);
            return new Tensor[] {
                needsGrad(0) ? g.div(b) : null,
                needsGrad(1) ? g.mul(saved(0)).div(b.square()).neg() : null};
        }
    }

    /** a ^ b: d/da = b·a^(b-1), d/db = a^b·ln a. */
    static final class Pow extends Binary {
        @Override
        Tensor forward(Tensor a, Tensor b) {
            Tensor y = a.pow(b);
            save(a, b, y);
            return y;
        }

        @Override
        Tensor[] grads(Tensor g) {
            Tensor a = saved(0);
            Tensor b = saved(1);
            return new Tensor[] {
                needsGrad(0) ? g.mul(b).mul(a.pow(b.sub(1f))) : null,
                needsGrad(1) ? g.mul(saved(2)).mul(a.log()) : null};
        }
    }

    /** maximum(a, b) (or minimum): the gradient goes to the selected operand; ties split it in half, like PyTorch. */
    static final class Maximum extends Binary {
        private final boolean max;

        Maximum(boolean max) {
            this.max = max;
        }

        @Override
        Tensor forward(Tensor a, Tensor b) {
            save(a, b);
            return max ? a.maximum(b) : a.minimum(b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            Tensor a = saved(0);
            Tensor b = saved(1);
            Tensor aWins = max ? a.gt(b) : a.lt(b);
            Tensor tie = a.eq(b).mul(0.5f);
            Tensor wa = aWins.add(tie);
            return new Tensor[] {
                needsGrad(0) ? g.mul(wa) : null,
                needsGrad(1) ? g.mul(wa.neg().add(1f)) : null};
        }
    }

    /** where(cond, a, b): d/da = cond, d/db = 1 - cond. */
    static final class Where extends Binary {
        /** Held only until forward saves it, so releasing the graph frees it. */
        private Tensor cond;

        Where(Tensor cond) {
            this.cond = cond;
        }

        @Override
        Tensor forward(Tensor a, Tensor b) {
            Tensor c = cond;
            cond = null;
            save(c);
            return Tensor.where(c, a, b);
        }

        @Override
        Tensor[] grads(Tensor g) {
            Tensor zero = Tensor.zeros(g.device());
            return new Tensor[] {
                needsGrad(0) ? Tensor.where(saved(0), g, zero) : null,
                needsGrad(1) ? Tensor.where(saved(0), zero, g) : null};
        }
    }

    /** x + c: d/dx = 1. */
    static final class AddScalar extends Unary {
        private final float c;

        AddScalar(float c) {
            this.c = c;
        }

        @Override
        Tensor forward(Tensor x) {
            return x.add(c);
        }

        @Override
        Tensor grad(Tensor g) {
            return g;
        }
    }

    /** x * c: d/dx = c. */
    static final class MulScalar extends Unary {
        private final float c;

        MulScalar(float c) {
            this.c = c;
        }

        @Override
        Tensor forward(Tensor x) {
            return x.mul(c);
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(c);
        }
    }

    /** x / c: d/dx = 1/c. */
    static final class DivScalar extends Unary {
        private final float c;

        DivScalar(float c) {
            this.c = c;
        }

        @Override
        Tensor forward(Tensor x) {
            return x.div(c);
        }

        @Override
        Tensor grad(Tensor g) {
            return g.div(c);
        }
    }

    /** -x: d/dx = -1. */
    static final class Neg extends Unary {
        @Override
        Tensor forward(Tensor x) {
            return x.neg();
        }

        @Override
        Tensor grad(Tensor g) {
            return g.neg();
        }
    }

    /** x^c for a constant c: d/dx = c·x^(c-1). */
    static final class PowScalar extends Unary {
        private final float c;

        PowScalar(float c) {
            this.c = c;
        }

        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.pow(c);
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0).pow(c - 1f)).mul(c);
        }
    }

    /** e^x: d/dx = e^x. */
    static final class Exp extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.exp();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0));
        }
    }

    /** ln x: d/dx = 1/x. */
    static final class Log extends Unary {
        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.log();
        }

        @Override
        Tensor grad(Tensor g) {
            return g.div(saved(0));
        }
    }

    /** sqrt x: d/dx = 1/(2·sqrt x). */
    static final class Sqrt extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.sqrt();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            return g.div(saved(0).mul(2f));
        }
    }

    /** x^-1/2: d/dx = -x^-3/2 / 2. */
    static final class Rsqrt extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.rsqrt();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            Tensor y = saved(0);
            return g.mul(y.mul(y).mul(y)).mul(-0.5f);
        }
    }

    /** tanh x: d/dx = 1 - tanh². */
    static final class Tanh extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.tanh();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0).square().neg().add(1f));
        }
    }

    /** erf x: d/dx = 2/sqrt(pi)·e^(-x²). */
    static final class Erf extends Unary {
        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.erf();
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0).square().neg().exp().mul(1.1283791670955126f));
        }
    }

    /** |x|: d/dx = sign(x) (0 at 0, like PyTorch). */
    static final class Abs extends Unary {
        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.abs();
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0).sign());
        }
    }

    /** x²: d/dx = 2x. */
    static final class Square extends Unary {
        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.square();
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0)).mul(2f);
        }
    }

    /** 1/x: d/dx = -1/x². */
    static final class Reciprocal extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.reciprocal();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            return g.mul(saved(0).square()).neg();
        }
    }

    /** sigmoid x: d/dx = s·(1-s). */
    static final class Sigmoid extends Unary {
        @Override
        Tensor forward(Tensor x) {
            Tensor y = x.sigmoid();
            save(y);
            return y;
        }

        @Override
        Tensor grad(Tensor g) {
            Tensor y = saved(0);
            return g.mul(y.mul(y.neg().add(1f)));
        }
    }

    /** clamp(x, lo, hi): d/dx = 1 where lo &lt;= x &lt;= hi, else 0. */
    static final class Clamp extends Unary {
        private final float lo;
        private final float hi;

        Clamp(float lo, float hi) {
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.clamp(lo, hi);
        }

        @Override
        Tensor grad(Tensor g) {
            Tensor x = saved(0);
            return g.mul(x.ge(lo).mul(x.le(hi)));
        }
    }
}
