package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/** Helpers shared by backward rules. */
final class Grads {

    private Grads() {
    }

    /**
     * Reduces a gradient computed for a broadcast result back to an input's shape: sums over the
     * leading dims the input lacked and over dims where the input had size 1 (the adjoint of
     * broadcasting).
     */
    static Tensor sumToShape(Tensor grad, int[] shape) {
        int[] gs = grad.shape();
        if (Arrays.equals(gs, shape)) {
            return grad;
        }
        int lead = gs.length - shape.length;
        int count = 0;
        int[] dims = new int[gs.length];
        for (int d = 0; d < gs.length; d++) {
            if (d < lead || (shape[d - lead] == 1 && gs[d] != 1)) {
                dims[count++] = d;
            }
        }
        Tensor summed = count == 0 ? grad : grad.sum(Arrays.copyOf(dims, count), true);
        return summed.reshape(shape);
    }
}
