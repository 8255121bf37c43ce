package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;

import java.util.List;

/**
 * LARS as used by MAE's linear probe (util/lars.py): for parameters with more than one dim,
 * d = g + wd·p scaled by the trust ratio η·|p|/|d| (1 when either norm is 0); 1-d parameters
 * (biases, norms) use d = g unscaled. Then μ = momentum·μ + d and p -= lr·μ. State:
 * {@code mu}. MAE's probe uses momentum 0.9, η 0.001, wd 0.
 */
public final class LARS extends Optimizer {

    private final double momentum;
    private final double trustCoefficient;

    /**
     * Creates the optimizer.
     *
     * @param groups parameter groups
     * @param momentum momentum factor
     * @param trustCoefficient η
     */
    public LARS(List<ParamGroup> groups, double momentum, double trustCoefficient) {
        super(groups);
        this.momentum = momentum;
        this.trustCoefficient = trustCoefficient;
    }

    @Override
    public void step() {
        for (ParamGroup g : groups()) {
            for (Parameter p : g.params()) {
                if (p.grad() == null || !p.requiresGrad()) {
                    continue;
                }
                Tensor d = p.grad();
                if (p.ndim() > 1) {
                    d = d.add(p.value().mul((float) g.weightDecay()));
                    double paramNorm = Math.sqrt(p.value().square().sum().item());
                    double updateNorm = Math.sqrt(d.square().sum().item());
                    double q = paramNorm > 0 && updateNorm > 0 ? trustCoefficient * paramNorm / updateNorm : 1.0;
                    d = d.mul((float) q);
                }
                Tensor mu = stateTensor(p, "mu");
                mu.mulInPlace((float) momentum).addInPlace(d);
                p.value().addInPlace(mu.mul((float) -g.lr()));
            }
        }
    }
}
