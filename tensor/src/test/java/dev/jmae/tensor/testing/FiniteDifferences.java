package dev.jmae.tensor.testing;

import dev.jmae.tensor.Tensor;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite-difference checks of analytic gradients for tensor-level kernels.
 *
 * <p>The objective is L(x) = sum(f(x) * g) with a fixed random upstream gradient g (never all
 * ones, so a wrong transpose or a missing term cannot cancel), summed in double on the host. Each
 * input element is perturbed by ±h; the estimate (L(x+h) - L(x-h)) / 2h has truncation error
 * O(h²) and rounding error about 6e-8·|L|/h from the float32 outputs, so with h around 1e-2 and
 * inputs of order 1 a tolerance near 1e-3 relative to the gradient's scale is both safe and tight
 * enough to catch a wrong term.
 */
public final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /**
     * Checks analytic gradients of f with respect to every input.
     *
     * @param op description for messages
     * @param f the function; called with perturbed copies of the inputs
     * @param inputs the point (contiguous tensors; they are not modified)
     * @param upstream g, with f's output shape
     * @param analytic the claimed gradient of L for each input (null entries are skipped)
     * @param h the step
     * @param rtol tolerance relative to the largest |analytic| entry of that input (plus itself)
     */
    public static void check(String op, Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor upstream,
                             Tensor[] analytic, double h, double rtol) {
        float[] g = upstream.toArray();
        for (int which = 0; which < inputs.length; which++) {
            if (analytic[which] == null) {
                continue;
            }
            float[] an = analytic[which].toArray();
            double scale = ParityAssert.maxAbs(an);
            float[] base = inputs[which].toArray();
            int worst = -1;
            double worstErr = 0;
            double worstFd = 0;
            for (int i = 0; i < base.length; i++) {
                // divide by the step actually taken after rounding the perturbed inputs to float32
                float xp = (float) (base[i] + h);
                float xm = (float) (base[i] - h);
                double plus = objective(f, inputs, which, base, i, xp, g);
                double minus = objective(f, inputs, which, base, i, xm, g);
                double fd = (plus - minus) / ((double) xp - xm);
                double err = Math.abs(fd - an[i]);
                if (err > rtol * (scale + Math.abs(an[i])) + 1e-6 && err > worstErr) {
                    worst = i;
                    worstErr = err;
                    worstFd = fd;
                }
            }
            if (worst >= 0) {
                fail(String.format("%s: gradient of input %d differs from finite differences at element %d:"
                        + " analytic %.6g, numeric %.6g (|diff| %.3g, scale %.3g, rtol %.1g, h %.1g)",
                        op, which, worst, an[worst], worstFd, worstErr, scale, rtol, h));
            }
        }
    }

    private static double objective(Function<Tensor[], Tensor> f, Tensor[] inputs, int which, float[] base, int i,
                                    float value, float[] g) {
        float[] perturbed = base.clone();
        perturbed[i] = value;
        Tensor[] args = inputs.clone();
        args[which] = Tensor.of(inputs[which].device(), perturbed, inputs[which].shape());
        float[] out = f.apply(args).toArray();
        double sum = 0;
        for (int k = 0; k < out.length; k++) {
            sum += (double) out[k] * g[k];
        }
        return sum;
    }
}
