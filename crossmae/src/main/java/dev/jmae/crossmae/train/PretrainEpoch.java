package dev.jmae.crossmae.train;

import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.Iterator;
import java.util.function.BooleanSupplier;

/**
 * One pretraining epoch, engine_pretrain.train_one_epoch: for each micro-batch of the loader (from
 * a start batch when resuming), one {@link TrainStep} whose forward pass is the model's loss on the
 * batch with masking noise drawn from (seed, epoch, batch) and written to the device once; step
 * records, the progress bar, and a stop at the first optimizer step after a stop request. The
 * labels are never read.
 *
 * <p>Data parallel: the loader yields this rank's share of each global batch (rows r, r + R, ...
 * of it, {@link dev.jmae.crossmae.data.DistributedSampler}); the noise is drawn for the whole
 * global batch and the rank takes the same rows, so every image is masked as in a single-process
 * run with the global batch. A stop request on any rank stops every rank at the same optimizer
 * step (one small all-reduce per step decides).
 */
final class PretrainEpoch {

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

    private final MaskedAutoencoder model;
    private final TrainStep step;
    private final DataLoader loader;
    private final long seed;
    private final int epochs;
    private final StepLog stepLog;
    private final boolean progress;
    private final BooleanSupplier stopRequested;
    private final Ranks ranks;

    /**
     * Creates the epoch runner.
     *
     * @param model the model (in training mode)
     * @param step the training step (optimizer, schedule, accum_iter)
     * @param loader the training batches, on the model's device
     * @param seed the run's seed, of the masking noise
     * @param epochs epochs of the run (for the progress bar)
     * @param stepLog the step records
     * @param progress whether to draw a progress bar
     * @param stopRequested polled after every optimizer step (and agreed on by the ranks)
     * @param ranks the ranks of the run (one for a single process)
     */
    PretrainEpoch(MaskedAutoencoder model, TrainStep step, DataLoader loader, long seed, int epochs, StepLog stepLog,
                  boolean progress, BooleanSupplier stopRequested, Ranks ranks) {
        this.model = model;
        this.step = step;
        this.loader = loader;
        this.seed = seed;
        this.epochs = epochs;
        this.stepLog = stepLog;
        this.progress = progress;
        this.stopRequested = stopRequested;
        this.ranks = ranks;
    }

    /** The masking noise generator of one micro-batch, a function of (seed, epoch, batch) only. */
    static Generator noiseGenerator(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL
                + 0x6A09E667F3BCC909L;
        return new Generator(z);
    }

    /**
     * The masking noise of this rank's share of micro-batch {@code batch}: uniform [n, L] from
     * {@link #noiseGenerator}, drawn for the global batch of n·R images and cut to this rank's
     * rows, then written to the device once.
     */
    private Tensor maskingNoise(int epoch, int batch, int n, int numPatches, Device device) {
        Generator g = noiseGenerator(seed, epoch, batch);
        if (!ranks.distributed()) {
            return Tensor.rand(device, g, n, numPatches);
        }
        return ranks.localRows(Tensor.rand(g, n * ranks.worldSize(), numPatches)).to(device);
    }

    /**
     * Trains the epoch from a batch on.
     *
     * @param epoch the epoch
     * @param startBatch the first micro-batch (0, or where a resumed run stopped)
     * @return what it did
     * @throws NonFiniteLossException if a loss is NaN or infinite
     */
    Result run(int epoch, int startBatch) {
        int batches = loader.batchesPerEpoch();
        int numPatches = model.config().numPatches();
        Device device = model.device();
        step.beginEpoch();
        stepLog.beginEpoch();
        long images = 0;
        long epochStart = System.nanoTime();
        try (EpochProgress bar = EpochProgress.open(progress, epoch, epochs, batches, startBatch)) {
            Iterator<Batch> it = loader.epoch(epoch, startBatch);
            for (int i = startBatch; it.hasNext(); i++) {
                Batch batch = it.next();
                int n = batch.images().size(0);
                int batchIndex = i;
                TrainStep.Result r;
                try {
                    r = step.run(epoch, i, batches,
                            () -> model.forward(batch.images(), maskingNoise(epoch, batchIndex, n, numPatches, device))
                                    .loss());
                } finally {
                    batch.images().release();
                    batch.labels().release();
                }
                images += n;
                stepLog.images(n);
                if (r.stepped()) {
                    stepLog.step(epoch, i + 1, batches, step.optimizerSteps(), r.stepLoss(), r.lr());
                }
                SmoothedValue loss = step.loss();
                bar.update(i + 1, loss.total() / loss.count(),
                        loss.count() * (double) n / ((System.nanoTime() - epochStart) / 1e9), r.lr());
                if (r.stepped() && ranks.any(stopRequested.getAsBoolean())) {
                    return new Result(meanLoss(), (int) loss.count(), images, (System.nanoTime() - epochStart) / 1e9,
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
