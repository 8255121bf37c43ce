package dev.jmae.nn;

import dev.jmae.autograd.Variable;

import java.util.ArrayList;
import java.util.List;

/** Applies single-input layers in order (torch.nn.Sequential); children are keyed 0, 1, 2, ... */
public final class Sequential extends Module implements Layer {

    private final List<Layer> layers = new ArrayList<>();

    /**
     * Creates the sequence.
     *
     * @param modules modules that implement {@link Layer}
     * @throws IllegalArgumentException if a module is not a Layer
     */
    public Sequential(Module... modules) {
        for (int i = 0; i < modules.length; i++) {
            if (!(modules[i] instanceof Layer l)) {
                throw new IllegalArgumentException(
                        "Sequential: module " + i + " (" + modules[i].getClass().getSimpleName()
                                + ") has no single-input forward");
            }
            registerModule(Integer.toString(i), modules[i]);
            layers.add(l);
        }
    }

    @Override
    public Variable forward(Variable x) {
        Variable h = x;
        for (Layer l : layers) {
            h = l.forward(h);
        }
        return h;
    }
}
