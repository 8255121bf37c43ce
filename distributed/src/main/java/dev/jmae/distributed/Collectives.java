package dev.jmae.distributed;

import dev.jmae.tensor.Tensor;

/** Argument checks shared by the process groups, so every backend rejects the same calls. */
final class Collectives {

    /** The most dimensions an all-gathered tensor may have (its shape travels in a fixed int block). */
    static final int MAX_GATHER_DIMS = 8;

    private Collectives() {
    }

    static void checkRoot(String op, int root, int worldSize) {
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException(op + ": root must be a rank in [0, " + worldSize + "), got " + root);
        }
    }

    static void checkGatherShape(Tensor tensor) {
        if (tensor.ndim() > MAX_GATHER_DIMS) {
            throw new IllegalArgumentException("allGather: expected a tensor of at most " + MAX_GATHER_DIMS
                    + " dims, got " + tensor.ndim() + "; hint: reshape it first");
        }
    }
}
