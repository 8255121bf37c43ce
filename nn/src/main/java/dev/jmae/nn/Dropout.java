package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Generator;

/**
 * Inverted dropout (torch.nn.Dropout): in training, zeroes each element with probability p and
 * scales the others by 1/(1-p); identity in eval mode or when p is 0.
 */
public final class Dropout extends Module implements Layer {

    private final float p;
    private final Generator generator;

    /**
     * Creates the layer.
     *
     * @param p drop probability in [0, 1)
     * @param generator the randomness for the masks
     * @throws IllegalArgumentException if p is outside [0, 1)
     */
    public Dropout(float p, Generator generator) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: expected p in [0, 1), got " + p);
        }
        this.p = p;
        this.generator = generator;
    }

    @Override
    public Variable forward(Variable x) {
        return !isTraining() || p == 0 ? x : x.dropout(p, generator);
    }
}
