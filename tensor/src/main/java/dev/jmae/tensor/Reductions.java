package dev.jmae.tensor;

/** Validation and dispatch of reductions: dim normalization, keepDim, output allocation. */
final class Reductions {

    private Reductions() {
    }

    static int[] allDims(Tensor x) {
        int[] d = new int[x.ndim()];
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        return d;
    }

    static Tensor reduce(String name, ReduceOp op, Tensor x, int[] dims, boolean keepDim) {
        x.checkLive();
        int[] nd = Shape.normalizeDims(name, dims, x.ndim());
        int[] shape = x.shape();
        if ((op == ReduceOp.MAX || op == ReduceOp.MIN)) {
            for (int d : nd) {
                if (shape[d] == 0) {
                    throw new IllegalArgumentException(name + ": cannot reduce over the empty dim " + d + " of shape "
                            + Shape.format(shape));
                }
            }
        }
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(shape, nd));
        x.backend().reductions().reduce(op, out, x, nd);
        return keepDim ? out : out.view(Shape.drop(shape, nd));
    }

    static Tensor var(Tensor x, int[] dims, double correction, boolean keepDim) {
        x.checkLive();
        int[] nd = Shape.normalizeDims("var", dims, x.ndim());
        int[] shape = x.shape();
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(shape, nd));
        x.backend().reductions().var(out, x, nd, correction);
        return keepDim ? out : out.view(Shape.drop(shape, nd));
    }

    static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        x.checkLive();
        int d = Shape.normalizeDim("argmax", dim, x.ndim());
        int[] shape = x.shape();
        if (shape[d] == 0) {
            throw new IllegalArgumentException("argmax: dim " + dim + " of shape " + Shape.format(shape) + " is empty");
        }
        int[] nd = {d};
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(shape, nd));
        x.backend().reductions().argmax(out, x, d);
        return keepDim ? out : out.view(Shape.drop(shape, nd));
    }
}
