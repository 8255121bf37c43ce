package dev.jmae.crossmae.train;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Training produced a NaN or infinite value: a loss (the step stops before its backward pass, as
 * the official train_one_epoch does), a parameter or optimizer moment (found before a checkpoint
 * would be written), or a test evaluation. A run keeps its last good checkpoint: nothing
 * non-finite is ever saved. Epochs are counted from 1 in the message, as in every other line a run
 * prints.
 */
public class NonFiniteLossException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String what;
    private final int epoch;
    private final int batch;
    private final long step;
    private final double lr;
    private final double lastFiniteLoss;

    /**
     * Creates the exception of a non-finite loss outside a run directory (a probe, a benchmark,
     * {@code jmae steps}).
     *
     * @param epoch the epoch, counted from 0
     * @param batch the batch (iteration) within the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss) {
        this("the loss became non-finite", epoch, batch, step, lr, lastFiniteLoss, "hint: lower the learning rate");
    }

    /**
     * Creates the exception of a non-finite loss in a pretraining run, with what is kept and how
     * to go on.
     *
     * @param epoch the epoch, counted from 0
     * @param batch the batch within the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     * @param runDir the run directory, for the resume hint
     * @param lastCheckpoint the last good checkpoint, or null if none has been written
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss, Path runDir,
                                  Path lastCheckpoint) {
        this("the loss became non-finite", epoch, batch, step, lr, lastFiniteLoss, tail(runDir, lastCheckpoint));
    }

    private NonFiniteLossException(String what, int epoch, int batch, long step, double lr, double lastFiniteLoss,
                                   String tail) {
        super(String.format(Locale.ROOT, "%s %s (optimizer step %d, lr %.3e); the last finite loss was %.6f. %s", what,
                batch < 0 ? "by the end of epoch " + (epoch + 1) : "at epoch " + (epoch + 1) + ", batch " + batch, step,
                lr,
                lastFiniteLoss, tail));
        this.what = what;
        this.epoch = epoch;
        this.batch = batch;
        this.step = step;
        this.lr = lr;
        this.lastFiniteLoss = lastFiniteLoss;
    }

    /**
     * Training state that turned non-finite without a non-finite loss (the loss is checked before
     * each step; the step's update can still produce NaN or infinite weights), or a NaN test
     * evaluation: found before the checkpoint would be written, so that it is not.
     *
     * @param what what was found, e.g. "the parameter blocks.0.attn.qkv.weight holds NaN or infinite values"
     * @param epoch the epoch, counted from 0
     * @param batch micro-batches of the epoch done, or -1 at the end of the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     * @return the exception, without the run's hint yet ({@link #inRun})
     */
    public static NonFiniteLossException nonFiniteState(String what, int epoch, int batch, long step, double lr,
                                                        double lastFiniteLoss) {
        return new NonFiniteLossException(what, epoch, batch, step, lr, lastFiniteLoss,
                "hint: lower the learning rate");
    }

    private static String tail(Path runDir, Path lastCheckpoint) {
        return String.format(Locale.ROOT, "%s; hint: lower blr (or increase warmup_epochs), then %s",
                lastCheckpoint == null ? "No checkpoint had been written yet"
                        : "The last good checkpoint " + lastCheckpoint
                                + " is kept",
                lastCheckpoint == null ? "start again" : "resume with --resume " + runDir + " --set blr=<lower>");
    }

    /**
     * The same failure told as part of a run.
     *
     * @param runDir the run directory
     * @param lastCheckpoint the last good checkpoint, or null if none has been written
     * @return the exception with the run's hint
     */
    public NonFiniteLossException inRun(Path runDir, Path lastCheckpoint) {
        NonFiniteLossException e = new NonFiniteLossException(what, epoch, batch, step, lr, lastFiniteLoss,
                tail(runDir, lastCheckpoint));
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** @return the epoch, counted from 0 */
    public int epoch() {
        return epoch;
    }
}
