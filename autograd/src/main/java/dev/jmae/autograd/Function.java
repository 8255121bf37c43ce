package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * One node of the backward graph: the op that produced a {@link Variable}, its ordered inputs and
 * what its local chain rule needs.
 *
 * <p>A subclass computes its forward value with tensor ops, stores what backward needs with
 * {@link #save(Tensor...)} (and plain fields for sizes), and implements {@link #backward(Tensor)}:
 * given dL/d(output) it returns dL/d(input i) for each input, with the input's shape, or null for
 * inputs that do not require a gradient. Backward never accumulates; the engine does, in input
 * order, so gradient bits are the same on every run. Returned gradients must be new tensors or
 * views of {@code gradOutput}, never saved tensors.
 *
 * <p>After a backward pass that does not retain the graph, the saved tensors and the links to the
 * inputs are dropped (so a loss the caller still holds does not keep the activations alive) and
 * a second backward through this node throws {@link IllegalStateException}.
 */
public abstract class Function {

    private Variable[] inputs = new Variable[0];
    private Tensor[] saved = new Tensor[0];
    private boolean released;

    /** For subclasses. */
    protected Function() {
    }

    /**
     * The op's name for messages and graph dumps.
     *
     * @return the simple class name
     */
    public String name() {
        return getClass().getSimpleName();
    }

    /**
     * The inputs, in the order backward returns their gradients.
     *
     * @return the ordered inputs
     */
    public final List<Variable> inputs() {
        return Arrays.asList(inputs);
    }

    /**
     * Whether input i needs a gradient.
     *
     * @param i the input position
     * @return true if that input requires grad
     */
    protected final boolean needsGrad(int i) {
        return inputs[i].requiresGrad();
    }

    /**
     * Keeps tensors for backward.
     *
     * @param tensors the tensors, retrieved with {@link #saved(int)} in the same order
     */
    protected final void save(Tensor... tensors) {
        saved = tensors.clone();
    }

    /**
     * A tensor kept by {@link #save(Tensor...)}.
     *
     * @param i its position
     * @return the tensor
     */
    protected final Tensor saved(int i) {
        return saved[i];
    }

    /**
     * The local chain rule.
     *
     * @param gradOutput dL/d(output), the output's shape
     * @return dL/d(input i) for every input, null where {@link #needsGrad(int)} is false
     */
    protected abstract Tensor[] backward(Tensor gradOutput);

    /**
     * Wires this node to its inputs and wraps the output. When grad mode is off or no input
     * requires a gradient, nothing is recorded and the saved tensors are dropped.
     *
     * @param output the forward value
     * @param inputs the inputs, in backward's order
     * @return the output variable
     */
    protected final Variable record(Tensor output, Variable... inputs) {
        boolean requires = false;
        if (GradMode.isEnabled()) {
            for (Variable v : inputs) {
                requires |= v.requiresGrad();
            }
        }
        if (!requires) {
            saved = new Tensor[0];
            return Variable.constant(output);
        }
        this.inputs = inputs.clone();
        return new Variable(output, this);
    }

    final Tensor[] runBackward(Tensor gradOutput) {
        if (released) {
            throw new IllegalStateException("backward through " + name() + " a second time: its saved tensors were"
                    + " released after the first backward; hint: pass retainGraph=true to the first backward call");
        }
        return backward(gradOutput);
    }

    /** Drops the saved tensors and the inputs, so the activations behind them can be freed. */
    final void release() {
        released = true;
        saved = new Tensor[0];
        inputs = new Variable[0];
    }

    final boolean isReleased() {
        return released;
    }
}
