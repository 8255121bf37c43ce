package dev.jmae.crossmae.train;

/**
 * Training produced a NaN or infinite loss; the run stops and the last good checkpoint is kept.
 */
public class NonFiniteLossException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param epoch the epoch
     * @param batch the batch within the epoch
     * @param step the optimizer step count so far
     * @param lr the learning rate in effect
     * @param lastFiniteLoss the last finite loss seen (NaN if none)
     * @param runDir the run directory, for the resume hint
     * @param lastCheckpoint the last good checkpoint, or null if none has been written
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss,
                                  java.nio.file.Path runDir, java.nio.file.Path lastCheckpoint) {
        super(String.format(java.util.Locale.ROOT, "the loss became non-finite at epoch %d, batch %d (optimizer step %d,"
                + " lr %.3e); the last finite loss was %.6f. %s; hint: lower blr or increase warmup_epochs, then %s",
                epoch, batch, step, lr, lastFiniteLoss,
                lastCheckpoint == null ? "No checkpoint had been written yet" : "The last good checkpoint " + lastCheckpoint + " is kept",
                lastCheckpoint == null ? "start again" : "resume with --resume " + runDir));
    }
}
