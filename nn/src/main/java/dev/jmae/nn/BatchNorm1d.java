package dev.jmae.nn;

import dev.jmae.autograd.GradMode;
import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Batch normalization over the batch dimension (torch.nn.BatchNorm1d with track_running_stats).
 * Training: y = (x − mean_B)/√(var_B + eps) with the batch mean and the <b>biased</b> batch
 * variance (divide by N), then running_mean ← (1 − m)·running_mean + m·mean_B and
 * running_var ← (1 − m)·running_var + m·var_B·N/(N − 1) (the <b>unbiased</b> variance), and
 * num_batches_tracked += 1. Eval: y = (x − running_mean)/√(running_var + eps). When affine, y is
 * then multiplied by {@code weight} and shifted by {@code bias}.
 *
 * <p>x: [N, C] → [N, C]. Registers {@code weight} [C] (ones) and {@code bias} [C] (zeros) when
 * affine, and the buffers {@code running_mean} [C] (zeros), {@code running_var} [C] (ones) and
 * {@code num_batches_tracked} [] (0; an int64 in PyTorch, stored here as float32).
 *
 * <p>Composed from differentiable ops (mean, var, sub, add, rsqrt, mul); there is no fused
 * kernel, which costs nothing at the linear probe's sizes ([N, D] features once per step). The
 * official linear probe ({@code main_linprobe.py}) uses BatchNorm1d(D, affine=False, eps=1e-6)
 * before the head and keeps the model in train mode, so batch statistics are used throughout
 * training (mae#54).
 */
public final class BatchNorm1d extends Module implements Layer {

    private final int numFeatures;
    private final float eps;
    private final float momentum;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * Creates the layer.
     *
     * @param device where parameters and buffers live
     * @param numFeatures C
     * @param eps added to the variance (PyTorch's default 1e-5; the linear probe uses 1e-6)
     * @param momentum weight of the new batch in the running statistics (PyTorch's default 0.1)
     * @param affine whether to learn weight and bias
     * @throws IllegalArgumentException if numFeatures is not positive, eps is negative or
     *     momentum is outside [0, 1]
     */
    public BatchNorm1d(Device device, int numFeatures, float eps, float momentum, boolean affine) {
        if (numFeatures <= 0 || !(eps >= 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(
                    "BatchNorm1d: expected numFeatures > 0, eps >= 0 and momentum in [0, 1], got "
                            + numFeatures + ", " + eps + ", " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = affine ? registerParameter("weight", new Parameter(Tensor.ones(device, numFeatures))) : null;
        this.bias = affine ? registerParameter("bias", new Parameter(Tensor.zeros(device, numFeatures))) : null;
        registerBuffer("running_mean", Tensor.zeros(device, numFeatures));
        registerBuffer("running_var", Tensor.ones(device, numFeatures));
        registerBuffer("num_batches_tracked", Tensor.zeros(device));
    }

    /**
     * The linear probe's layer: BatchNorm1d(numFeatures, affine=False, eps=1e-6), momentum 0.1.
     *
     * @param device where the buffers live
     * @param numFeatures C
     * @return the layer
     */
    public static BatchNorm1d linearProbe(Device device, int numFeatures) {
        return new BatchNorm1d(device, numFeatures, 1e-6f, 0.1f, false);
    }

    /**
     * Normalizes; in training mode also updates the running statistics (outside the graph).
     *
     * @param x [N, C]
     * @return [N, C]
     * @throws IllegalArgumentException if x is not [N, C], or N is 1 in training mode (PyTorch:
     *     "Expected more than 1 value per channel when training")
     */
    @Override
    public Variable forward(Variable x) {
        if (x.ndim() != 2 || x.size(1) != numFeatures) {
            throw new IllegalArgumentException("BatchNorm1d(" + numFeatures + "): expected input [N, " + numFeatures
                    + "], got " + Arrays.toString(x.shape()));
        }
        Variable y;
        if (isTraining()) {
            int n = x.size(0);
            if (n < 2) {
                throw new IllegalArgumentException(
                        "BatchNorm1d(" + numFeatures + "): expected more than 1 value per channel "
                                + "when training, got input " + Arrays.toString(x.shape())
                                + "; hint: use a batch size above 1 or eval()");
            }
            Variable mean = x.mean(0, true);
            Variable var = x.var(0, 0, true);
            y = x.sub(mean).mul(var.add(eps).rsqrt());
            updateRunningStats(mean.value(), var.value(), n);
        } else {
            Tensor rm = buffer("running_mean").reshape(1, numFeatures);
            Tensor rv = buffer("running_var").reshape(1, numFeatures);
            y = x.sub(Variable.constant(rm)).mul(Variable.constant(rv.add(eps).rsqrt()));
        }
        if (weight != null) {
            y = y.mul(weight).add(bias);
        }
        return y;
    }

    private void updateRunningStats(Tensor batchMean, Tensor biasedVar, int n) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor rm = buffer("running_mean");
            Tensor rv = buffer("running_var");
            Tensor unbiased = biasedVar.reshape(numFeatures).mul((float) n / (n - 1));
            rm.copyInPlace(rm.mul(1f - momentum).add(batchMean.reshape(numFeatures).mul(momentum)));
            rv.copyInPlace(rv.mul(1f - momentum).add(unbiased.mul(momentum)));
            Tensor count = buffer("num_batches_tracked");
            count.copyInPlace(count.add(1f));
        }
    }

    /** @return the running mean [C] (the live buffer) */
    public Tensor runningMean() {
        return buffer("running_mean");
    }

    /** @return the running variance [C] (the live buffer) */
    public Tensor runningVar() {
        return buffer("running_var");
    }

    /** @return eps */
    public float eps() {
        return eps;
    }
}
