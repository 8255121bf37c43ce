package dev.jmae.crossmae.train;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;

import java.util.Iterator;
import java.util.function.BooleanSupplier;

/**
 * One epoch of the official {@code train_one_epoch} for any per-batch loss: for each micro-batch of
 * the loader (from a start batch when resuming), one {@link TrainStep} whose forward pass is
 * {@link BatchLoss#compute}; the batch is released after its step; step records, the progress bar,
 * and a stop at the first optimizer step after a stop request. Fine-tuning and the linear probe
 * (engine_finetune.py) run through it; pretraining has its own loop ({@link PretrainEpoch}, whose
 * loss closure also draws masking noise) with the same shape.
 */
final class TrainEpoch {

    /** The forward pass of one micro-batch. */
    @FunctionalInterface
    interface BatchLoss {
        /**
         * Computes a micro-batch's loss; randomness must come from (epoch, index) so a resumed run
         * repeats it.
         *
         * @param batch the batch (images on the model's device, labels on the host)
         * @param epoch the epoch
         * @param index the micro-batch within the epoch
         * @return the scalar loss
         */
        Variable compute(Batch batch, int epoch, int index);
    }

    /**
     * What an epoch did.
     *
     * @param meanLoss the mean micro-batch loss (0 when no batch ran)
     * @param batches micro-batches trained
     * @param images images trained on
     * @param seconds wall time
     * @param stoppedAt when stopped by a request, the micro-batches of the epoch done; -1 otherwise
     */
    record Result(double meanLoss, int batches, long images, double seconds, int stoppedAt) {

        /** @return whether the epoch ended early on a stop request */
        boolean stopped() {
            return stoppedAt >= 0;
        }
    }

    private final TrainStep step;
    private final DataLoader loader;
    private final int epochs;
    private final StepLog stepLog;
    private final boolean progress;
    private final BooleanSupplier stopRequested;

    /**
     * Creates the epoch runner.
     *
     * @param step the training step (optimizer, schedule, accum_iter, clip_grad)
     * @param loader the training batches, on the model's device
     * @param epochs epochs of the run (for the progress bar)
     * @param stepLog the step records
     * @param progress whether to draw a progress bar
     * @param stopRequested polled after every optimizer step
     */
    TrainEpoch(TrainStep step, DataLoader loader, int epochs, StepLog stepLog, boolean progress,
               BooleanSupplier stopRequested) {
        this.step = step;
        this.loader = loader;
        this.epochs = epochs;
        this.stepLog = stepLog;
        this.progress = progress;
        this.stopRequested = stopRequested;
    }

    /**
     * Trains the epoch from a batch on.
     *
     * @param epoch the epoch
     * @param startBatch the first micro-batch (0, or where a resumed run stopped)
     * @param loss the forward pass
     * @return what it did
     * @throws NonFiniteLossException if a loss is NaN or infinite
     */
    Result run(int epoch, int startBatch, BatchLoss loss) {
        int batches = loader.batchesPerEpoch();
        step.beginEpoch();
        stepLog.beginEpoch();
        long images = 0;
        long epochStart = System.nanoTime();
        try (EpochProgress bar = EpochProgress.open(progress, epoch, epochs, batches, startBatch)) {
            Iterator<Batch> it = loader.epoch(epoch, startBatch);
            for (int i = startBatch; it.hasNext(); i++) {
                Batch batch = it.next();
                int n = batch.images().size(0);
                int index = i;
                TrainStep.Result r;
                try {
                    r = step.run(epoch, i, batches, () -> loss.compute(batch, epoch, index));
                } finally {
                    batch.images().release();
                    batch.labels().release();
                }
                images += n;
                stepLog.images(n);
                if (r.stepped()) {
                    stepLog.step(epoch, i + 1, batches, step.optimizerSteps(), r.stepLoss(), r.lr());
                }
                SmoothedValue s = step.loss();
                bar.update(i + 1, s.total() / s.count(),
                        s.count() * (double) n / ((System.nanoTime() - epochStart) / 1e9), r.lr());
                if (r.stepped() && stopRequested.getAsBoolean()) {
                    return new Result(meanLoss(), (int) s.count(), images, (System.nanoTime() - epochStart) / 1e9,
                            i + 1);
                }
            }
        }
        return new Result(meanLoss(), (int) step.loss().count(), images, (System.nanoTime() - epochStart) / 1e9, -1);
    }

    private double meanLoss() {
        return step.loss().total() / Math.max(1, step.loss().count());
    }
}
