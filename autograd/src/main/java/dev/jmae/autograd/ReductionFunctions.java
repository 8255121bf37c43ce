package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;

/**
 * Differentiable reductions. Backward broadcasts the (keepDim-shaped) gradient back over the
 * reduced dims.
 */
final class ReductionFunctions {

    private ReductionFunctions() {
    }

    /** Base: normalizes the dims (null means all) and reshapes the gradient to the keepDim layout. */
    abstract static class Reduction extends Function {
        final int[] requested;
        final boolean keepDim;
        int[] inShape;
        int[] dims;
        long count;

        Reduction(int[] dims, boolean keepDim) {
            this.requested = dims == null ? null : dims.clone();
            this.keepDim = keepDim;
        }

        Variable apply(Variable x) {
            inShape = x.shape();
            int nd = inShape.length;
            if (requested == null) {
                dims = new int[nd];
                for (int d = 0; d < nd; d++) {
                    dims[d] = d;
                }
            } else {
                dims = dev.jmae.tensor.Shape.normalizeDims(name().toLowerCase(java.util.Locale.ROOT), requested, nd);
            }
            count = 1;
            for (int d : dims) {
                count *= inShape[d];
            }
            return record(forward(x.value()), x);
        }

        abstract Tensor forward(Tensor x);

        /** The gradient reshaped to the keepDim layout (size 1 at reduced dims). */
        Tensor keepDimGrad(Tensor g) {
            return g.reshape(dev.jmae.tensor.Shape.reducedKeepDim(inShape, dims));
        }
    }

    /** sum: d/dx = 1 for every reduced element. */
    static final class Sum extends Reduction {
        Sum(int[] dims, boolean keepDim) {
            super(dims, keepDim);
        }

        @Override
        Tensor forward(Tensor x) {
            return x.sum(dims, keepDim);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {keepDimGrad(g).expand(inShape)};
        }
    }

    /** mean: d/dx = 1/n. */
    static final class Mean extends Reduction {
        Mean(int[] dims, boolean keepDim) {
            super(dims, keepDim);
        }

        @Override
        Tensor forward(Tensor x) {
            return x.mean(dims, keepDim);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {keepDimGrad(g).div((float) count).expand(inShape)};
        }
    }

    /** max over dims: the gradient goes to the maximal elements, split evenly among ties (torch.amax). */
    static final class Max extends Reduction {
        Max(int[] dims, boolean keepDim) {
            super(dims, keepDim);
        }

        @Override
        Tensor forward(Tensor x) {
            Tensor m = x.max(dims, true);
            save(x, m);
            return keepDim ? m : m.reshape(dev.jmae.tensor.Shape.drop(inShape, dims));
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor mask = saved(0).eq(saved(1));
            Tensor ties = mask.sum(dims, true);
            return new Tensor[] {mask.mul(keepDimGrad(g).div(ties))};
        }
    }

    /** var: d/dx = 2(x - mean)/(n - correction). */
    static final class Var extends Reduction {
        private final double correction;

        Var(int[] dims, double correction, boolean keepDim) {
            super(dims, keepDim);
            this.correction = correction;
        }

        @Override
        Tensor forward(Tensor x) {
            save(x);
            return x.var(dims, correction, keepDim);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            Tensor centered = x.sub(x.mean(dims, true));
            float factor = (float) (2.0 / Math.max(0.0, count - correction));
            return new Tensor[] {centered.mul(keepDimGrad(g)).mul(factor)};
        }
    }
}
