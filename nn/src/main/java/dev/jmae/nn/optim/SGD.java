package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;

import java.util.List;

/**
 * Stochastic gradient descent with momentum (torch.optim.SGD, no dampening): d = g + wd·p;
 * b = d on the first step, else b = μ·b + d; p -= lr·b (or lr·(d + μ·b) with Nesterov).
 * State per parameter: {@code momentum_buffer}.
 */
public final class SGD extends Optimizer {

    private final double momentum;
    private final boolean nesterov;

    /**
     * Creates the optimizer.
     *
     * @param groups parameter groups
     * @param momentum μ (0 for plain SGD)
     * @param nesterov use Nesterov momentum
     * @throws IllegalArgumentException if momentum is negative
     */
    public SGD(List<ParamGroup> groups, double momentum, boolean nesterov) {
        super(groups);
        if (!(momentum >= 0)) {
            throw new IllegalArgumentException("SGD: expected momentum >= 0, got " + momentum);
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step() {
        for (ParamGroup g : groups()) {
            for (Parameter p : g.params()) {
                if (p.grad() == null || !p.requiresGrad()) {
                    continue;
                }
                Tensor d = p.grad();
                if (g.weightDecay() != 0) {
                    d = d.add(p.value().mul((float) g.weightDecay()));
                }
                if (momentum != 0) {
                    boolean first = !state(p).containsKey("momentum_buffer");
                    Tensor buf = stateTensor(p, "momentum_buffer");
                    if (first) {
                        buf.copyInPlace(d);
                    } else {
                        buf.mulInPlace((float) momentum).addInPlace(d);
                    }
                    d = nesterov ? d.add(buf.mul((float) momentum)) : buf;
                }
                p.value().addInPlace(d.mul((float) -g.lr()));
            }
        }
    }
}
