package dev.jmae.nn.optim;

/**
 * MAE's learning-rate schedule (util/lr_sched.py), evaluated per iteration at a fractional epoch
 * t: linear warmup from exactly 0, lr·t/warmup, then a half-cycle cosine
 * min + (lr - min)·½·(1 + cos(π·(t - warmup)/(epochs - warmup))). Units: epochs (may be fractional);
 * learning rates per optimizer step.
 *
 * @param peakLr lr reached at the end of warmup
 * @param minLr lr at the end of training (0 in pretraining)
 * @param warmupEpochs warmup length
 * @param epochs total length
 */
public record WarmupCosineSchedule(double peakLr, double minLr, double warmupEpochs, double epochs) {

    /**
     * Validates the arguments.
     *
     * @throws IllegalArgumentException if warmup exceeds the total, a length is negative or lrs are negative
     */
    public WarmupCosineSchedule {
        if (!(warmupEpochs >= 0 && epochs > 0 && warmupEpochs <= epochs && peakLr >= 0 && minLr >= 0)) {
            throw new IllegalArgumentException(
                    "WarmupCosineSchedule: expected 0 <= warmup (" + warmupEpochs + ") <= epochs ("
                            + epochs + "), epochs > 0 and non-negative lrs (" + peakLr + ", " + minLr + ")");
        }
    }

    /**
     * The learning rate at fractional epoch t.
     *
     * @param epoch t = epoch + step/stepsPerEpoch
     * @return the lr
     */
    public double lr(double epoch) {
        if (epoch < warmupEpochs) {
            return peakLr * epoch / warmupEpochs;
        }
        if (epochs == warmupEpochs) {
            return peakLr;
        }
        double progress = (epoch - warmupEpochs) / (epochs - warmupEpochs);
        return minLr + (peakLr - minLr) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
    }

    /**
     * Sets every group's lr to lr(t)·lrScale (adjust_learning_rate).
     *
     * @param optimizer the optimizer
     * @param epoch fractional epoch
     * @return lr(t)
     */
    public double apply(Optimizer optimizer, double epoch) {
        double lr = lr(epoch);
        for (ParamGroup g : optimizer.groups()) {
            g.setLr(lr * g.lrScale());
        }
        return lr;
    }
}
