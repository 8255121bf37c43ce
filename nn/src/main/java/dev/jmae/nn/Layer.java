package dev.jmae.nn;

import dev.jmae.autograd.Variable;

/** A module with a single-input forward, composable in a {@link Sequential}. */
public interface Layer {

    /**
     * Applies the layer.
     *
     * @param x the input
     * @return the output
     */
    Variable forward(Variable x);
}
