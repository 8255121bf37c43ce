package dev.jmae.nn;

import dev.jmae.autograd.Variable;

/** Exact GELU, x/2·(1 + erf(x/√2)) (torch.nn.GELU with approximate='none'). No parameters. */
public final class GELU extends Module implements Layer {

    /** Creates the activation. */
    public GELU() {
    }

    @Override
    public Variable forward(Variable x) {
        return x.gelu();
    }
}
