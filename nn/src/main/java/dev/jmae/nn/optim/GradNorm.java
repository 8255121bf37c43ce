package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;

/** Gradient norms for logging and optional clipping (torch.nn.utils.clip_grad_norm_). */
public final class GradNorm {

    private GradNorm() {
    }

    /**
     * The L2 norm of all gradients taken together (parameters without a gradient are skipped);
     * each tensor's sum of squares is accumulated in double.
     *
     * @param params the parameters
     * @return sqrt(sum over params of |grad|²)
     */
    public static double total(Iterable<Parameter> params) {
        double sq = 0;
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) {
                sq += g.square().sum().item();
            }
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales all gradients by maxNorm/(total + 1e-6) when the total norm exceeds maxNorm.
     *
     * @param params the parameters
     * @param maxNorm the largest allowed total norm
     * @return the total norm before clipping
     */
    public static double clip(Iterable<Parameter> params, double maxNorm) {
        double total = total(params);
        double factor = maxNorm / (total + 1e-6);
        if (factor < 1) {
            for (Parameter p : params) {
                if (p.grad() != null) {
                    p.grad().mulInPlace((float) factor);
                }
            }
        }
        return total;
    }
}
