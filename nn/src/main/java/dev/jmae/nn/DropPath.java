package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/**
 * Stochastic depth per sample (timm DropPath): in training, each sample's residual branch is
 * dropped with probability p and kept ones are scaled by 1/(1-p). x: [B, ...] → [B, ...]; identity
 * in eval mode or when p is 0 (MAE and CrossMAE pretraining use 0; fine-tuning uses 0.1 to 0.3).
 */
public final class DropPath extends Module implements Layer {

    private final float p;
    private final Generator generator;

    /**
     * Creates the layer.
     *
     * @param p drop probability in [0, 1)
     * @param generator the randomness
     * @throws IllegalArgumentException if p is outside [0, 1)
     */
    public DropPath(float p, Generator generator) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("DropPath: expected p in [0, 1), got " + p);
        }
        this.p = p;
        this.generator = generator;
    }

    /**
     * Restarts the randomness from a seed, so a training step's draws can be a function of the
     * step alone (a resumed run then drops the same paths as an uninterrupted one).
     *
     * @param seed the new seed
     */
    public void reseed(long seed) {
        generator.setState(new Generator(seed).state());
    }

    /** @return the drop probability p */
    public float p() {
        return p;
    }

    @Override
    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        int b = x.size(0);
        float[] keep = new float[b];
        for (int i = 0; i < b; i++) {
            keep[i] = generator.nextFloat() >= p ? 1f / (1f - p) : 0f;
        }
        int[] shape = new int[x.ndim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = b;
        return x.mul(Variable.constant(Tensor.of(x.device(), keep, shape)));
    }
}
