package dev.jmae.crossmae.train;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Training produced a NaN or infinite loss: the step stops before its backward pass (as the
 * official train_one_epoch does), and a pretraining run keeps its last good checkpoint.
 */
public class NonFiniteLossException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int batch;
    private final long step;
    private final double lr;
    private final double lastFiniteLoss;

    /**
     * Creates the exception outside a run directory (a probe, a benchmark, {@code jmae steps}).
     *
     * @param epoch the epoch
     * @param batch the batch (iteration) within the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss) {
        this(epoch, batch, step, lr, lastFiniteLoss, "hint: lower the learning rate");
    }

    /**
     * Creates the exception of a pretraining run, with what is kept and how to go on.
     *
     * @param epoch the epoch
     * @param batch the batch within the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     * @param runDir the run directory, for the resume hint
     * @param lastCheckpoint the last good checkpoint, or null if none has been written
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss, Path runDir,
                                  Path lastCheckpoint) {
        this(epoch, batch, step, lr, lastFiniteLoss, String.format(Locale.ROOT, "%s; hint: lower blr or increase"
                + " warmup_epochs, then %s",
                lastCheckpoint == null ? "No checkpoint had been written yet" : "The last good checkpoint " + lastCheckpoint + " is kept",
                lastCheckpoint == null ? "start again" : "resume with --resume " + runDir));
    }

    private NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss, String tail) {
        super(String.format(Locale.ROOT, "the loss became non-finite at epoch %d, batch %d (optimizer step %d,"
                + " lr %.3e); the last finite loss was %.6f. %s", epoch, batch, step, lr, lastFiniteLoss, tail));
        this.epoch = epoch;
        this.batch = batch;
        this.step = step;
        this.lr = lr;
        this.lastFiniteLoss = lastFiniteLoss;
    }

    /**
     * The same failure told as part of a pretraining run.
     *
     * @param runDir the run directory
     * @param lastCheckpoint the last good checkpoint, or null if none has been written
     * @return the exception with the run's hint
     */
    public NonFiniteLossException inRun(Path runDir, Path lastCheckpoint) {
        NonFiniteLossException e = new NonFiniteLossException(epoch, batch, step, lr, lastFiniteLoss, runDir, lastCheckpoint);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
