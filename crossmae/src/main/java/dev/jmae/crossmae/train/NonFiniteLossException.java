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
     */
    public NonFiniteLossException(int epoch, int batch, long step, double lr, double lastFiniteLoss, java.nio.file.Path runDir) {
        super(String.format(java.util.Locale.ROOT, "the loss became non-finite at epoch %d, batch %d (optimizer step %d,"
                + " lr %.3e); the last finite loss was %.6f. The last good checkpoint in %s is kept; hint: lower blr"
                + " or increase warmup_epochs, then resume with --resume %s", epoch, batch, step, lr, lastFiniteLoss, runDir,
                runDir));
    }
}
