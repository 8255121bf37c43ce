package dev.jmae.autograd;

import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Movement and indexing ops. Their backward rules move the gradient back to where the values
 * came from: reshape back, permute back, pad a slice with zeros, sum over broadcast dims, split a
 * concatenation, scatter-add gathered values.
 */
final class ShapeFunctions {

    private ShapeFunctions() {
    }

    /** reshape/view/flatten/squeeze/unsqueeze: the gradient is reshaped back. */
    static final class Reshape extends Function {
        private int[] inShape;

        Variable apply(Variable x, Tensor out) {
            inShape = x.shape();
            return record(out, x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.reshape(inShape)};
        }
    }

    /** permute/transpose: the gradient is permuted by the inverse permutation. */
    static final class Permute extends Function {
        private final int[] dims;

        Permute(int[] dims) {
            this.dims = dims.clone();
        }

        Variable apply(Variable x) {
            Tensor out = x.value().permute(dims);
            return record(out, x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            int n = dims.length;
            int[] inverse = new int[n];
            for (int i = 0; i < n; i++) {
                inverse[Shape.normalizeDim("permute", dims[i], n)] = i;
            }
            return new Tensor[] {g.permute(inverse)};
        }
    }

    /** narrow: the gradient is written into the slice of a zero tensor of the input's shape. */
    static final class Narrow extends Function {
        private final int dim;
        private final int start;
        private final int length;
        private int[] inShape;

        Narrow(int dim, int start, int length) {
            this.dim = dim;
            this.start = start;
            this.length = length;
        }

        Variable apply(Variable x) {
            inShape = x.shape();
            return record(x.value().narrow(dim, start, length), x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor dx = Tensor.zeros(g.device(), inShape);
            dx.narrow(dim, start, length).copyInPlace(g);
            return new Tensor[] {dx};
        }
    }

    /** expand: the gradient is summed over the broadcast dims. */
    static final class Expand extends Function {
        private int[] inShape;

        Variable apply(Variable x, Tensor out) {
            inShape = x.shape();
            return record(out, x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {Grads.sumToShape(g, inShape)};
        }
    }

    /** cat: each input gets its slice of the gradient. */
    static final class Cat extends Function {
        private final int dim;
        private int[] sizes;

        Cat(int dim) {
            this.dim = dim;
        }

        Variable apply(List<Variable> parts) {
            List<Tensor> values = new ArrayList<>(parts.size());
            sizes = new int[parts.size()];
            int d = Shape.normalizeDim("cat", dim, parts.get(0).ndim());
            for (int i = 0; i < parts.size(); i++) {
                values.add(parts.get(i).value());
                sizes[i] = parts.get(i).size(d);
            }
            return record(Tensor.cat(values, dim), parts.toArray(new Variable[0]));
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] out = new Tensor[sizes.length];
            int off = 0;
            for (int i = 0; i < sizes.length; i++) {
                out[i] = needsGrad(i) ? g.narrow(dim, off, sizes[i]) : null;
                off += sizes[i];
            }
            return out;
        }
    }

    /** indexSelect: the gradient rows are added back to the positions they were taken from. */
    static final class IndexSelect extends Function {
        private final int dim;
        private Tensor index;
        private int[] inShape;

        IndexSelect(int dim, Tensor index) {
            this.dim = dim;
            this.index = index;
        }

        Variable apply(Variable x) {
            inShape = x.shape();
            Tensor idx = index;
            index = null;
            save(idx);
            return record(x.value().indexSelect(dim, idx), x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            int[] gs = g.shape();
            int d = Shape.normalizeDim("indexSelect", dim, gs.length);
            int[] view = new int[gs.length];
            java.util.Arrays.fill(view, 1);
            view[d] = gs[d];
            Tensor expanded = saved(0).reshape(view).expand(gs);
            return new Tensor[] {Tensor.zeros(g.device(), inShape).scatterAdd(d, expanded, g)};
        }
    }

    /** gather: backward is scatterAdd of the gradient at the gathered positions. */
    static final class Gather extends Function {
        private final int dim;
        private Tensor index;
        private int[] inShape;

        Gather(int dim, Tensor index) {
            this.dim = dim;
            this.index = index;
        }

        Variable apply(Variable x) {
            inShape = x.shape();
            Tensor idx = index;
            index = null;
            save(idx);
            return record(x.value().gather(dim, idx), x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {Tensor.zeros(g.device(), inShape).scatterAdd(dim, saved(0), g)};
        }
    }
}
