package dev.jmae.nn;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

/**
 * A module's learnable (or frozen) tensor: a leaf {@link Variable} that lives as long as its
 * module (its storage is detached from every {@link TensorScope}). torch.nn.Parameter.
 *
 * <p>A frozen parameter ({@code requiresGrad} false, like MAE's sin-cos positional tables) is in
 * the state dict and {@link Module#parameters()} but receives no gradient and is skipped by the
 * optimizer helpers.
 */
public final class Parameter extends Variable {

    /**
     * Creates a trainable parameter.
     *
     * @param value the initial value
     */
    public Parameter(Tensor value) {
        this(value, true);
    }

    /**
     * Creates a parameter.
     *
     * @param value the initial value
     * @param requiresGrad false for a frozen parameter
     */
    public Parameter(Tensor value, boolean requiresGrad) {
        super(TensorScope.detach(value), requiresGrad);
    }

    /**
     * Replaces the value (same shape), e.g. to move it to another device; drops the gradient.
     *
     * @param value the new value
     */
    public void set(Tensor value) {
        replaceValue(TensorScope.detach(value));
    }
}
