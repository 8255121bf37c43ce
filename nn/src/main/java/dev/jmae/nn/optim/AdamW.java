package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with PyTorch semantics (torch.optim.AdamW, amsgrad off): per parameter with a gradient,
 * p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= lr/(1-β1^t) · m/(sqrt(v/(1-β2^t)) + eps),
 * t counted per parameter. One fused kernel per parameter ({@link Functional#adamwStepInPlace}).
 *
 * <p>State per parameter: {@code exp_avg}, {@code exp_avg_sq} (param's shape) and {@code step}
 * (one element, what checkpoints save). The step count t is also kept on the host, read from the
 * {@code step} tensors once when state is loaded, so a step never reads from the device.
 * MAE/CrossMAE pretraining uses β = (0.9, 0.95), eps 1e-8, wd 0.05.
 */
public final class AdamW extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;
    /** Per parameter, the step count t, kept on the host: reading the device's copy would block every step. */
    private final Map<Parameter, int[]> steps = new IdentityHashMap<>();

    /**
     * Creates the optimizer.
     *
     * @param groups parameter groups (lr and weight decay per group)
     * @param beta1 first-moment decay
     * @param beta2 second-moment decay
     * @param eps denominator epsilon
     * @throws IllegalArgumentException if a beta is outside [0, 1) or eps is negative
     */
    public AdamW(List<ParamGroup> groups, double beta1, double beta2, double eps) {
        super(groups);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps >= 0)) {
            throw new IllegalArgumentException(
                    "AdamW: expected betas in [0, 1) and eps >= 0, got (" + beta1 + ", " + beta2
                            + "), " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Reads each loaded {@code step} state tensor once, into the host count. */
    @Override
    protected void stateLoaded() {
        steps.clear();
        for (ParamGroup g : groups()) {
            for (Parameter p : g.params()) {
                Tensor step = state(p).get("step");
                if (step != null) {
                    steps.put(p, new int[] {Math.round(step.item())});
                }
            }
        }
    }

    @Override
    public void step() {
        for (ParamGroup g : groups()) {
            for (Parameter p : g.params()) {
                if (p.grad() == null || !p.requiresGrad()) {
                    continue;
                }
                Tensor m = stateTensor(p, "exp_avg");
                Tensor v = stateTensor(p, "exp_avg_sq");
                Tensor step = state(p).computeIfAbsent("step", k -> TensorScope.detach(Tensor.zeros(p.device(), 1)));
                int t = ++steps.computeIfAbsent(p, k -> new int[1])[0];
                // the device copy is what checkpoints save; a fill, not a transfer
                step.fillInPlace(t);
                Functional.adamwStepInPlace(p.value(), m, v, p.grad(), (float) g.lr(), (float) beta1, (float) beta2,
                        (float) eps, (float) g.weightDecay(), t);
            }
        }
    }
}
