package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.eval.ImageGrid;
import dev.jmae.crossmae.eval.Psnr;
import dev.jmae.crossmae.eval.Reconstruction;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * End-of-epoch evaluation: masked-patch PSNR on the test split (docs/model.md §15.2) with a fixed noise seed,
 * decoding every masked patch (γ = p), next to the baseline that fills each masked pixel with the
 * mean of the image's visible pixels; and a reconstruction grid of the first 8 test images
 * (original, masked, reconstruction, reconstruction with the visible patches pasted).
 *
 * <p>The masking noise of test image i is row i of one [N, L] draw from a fixed seed, so it does
 * not depend on how the images are batched. The PSNR is a mean over images, reduced exactly:
 * data parallel, each rank evaluates its share of the test set ({@link
 * dev.jmae.crossmae.data.DistributedSampler} over the sequential order), counts only its real
 * samples (not the padding that evens out the shares), and one reduction of (Σ PSNR, Σ baseline,
 * images) gives every rank the single-process result. The grid is written by the main rank from
 * the first 8 images of its share (test images 0, R, 2R, ...).
 */
public final class Evaluator {

    /** PSNRs in dB. */
    public record Result(double psnr, double baselinePsnr, int images) {
    }

    /** Seed of the evaluation masking noise: the same patches are masked at every evaluation. */
    static final long NOISE_SEED = 0x5eed_0000_0001L;

    private final DataLoader test;
    private final TrainConfig train;
    private final Ranks ranks;
    private final int realSamples;

    /**
     * Creates the evaluator of a single process.
     *
     * @param test a loader over the test split (no shuffling, no augmentation, no drop_last)
     * @param train the training config (normalization statistics)
     */
    public Evaluator(DataLoader test, TrainConfig train) {
        this(test, train, Ranks.single(), Integer.MAX_VALUE);
    }

    /**
     * Creates the evaluator of one rank.
     *
     * @param test a loader over this rank's share of the test split (a DistributedSampler over
     *     the sequential order; no augmentation, no drop_last)
     * @param train the training config (normalization statistics)
     * @param ranks the ranks the result is reduced over
     * @param realSamples how many of the loader's images are real samples rather than padding
     *     (DistributedSampler.numRealSamples; they come first)
     */
    Evaluator(DataLoader test, TrainConfig train, Ranks ranks, int realSamples) {
        this.test = test;
        this.train = train;
        this.ranks = ranks;
        this.realSamples = realSamples;
    }

    /**
     * Evaluates the model. Collective when data parallel: every rank must call it.
     *
     * @param model the model (switched to eval mode and back)
     * @param grid where the main rank writes the reconstruction grid, or null
     * @return the PSNRs over the whole test split (the same on every rank)
     * @throws IOException if the grid cannot be written or the data cannot be read
     */
    public Result evaluate(MaskedAutoencoder model, Path grid) throws IOException {
        boolean wasTraining = model.isTraining();
        model.eval();
        int numPatches = model.config().numPatches();
        // row i: the noise of test image i, whatever batch or rank it falls in
        Tensor drawn = Tensor.rand(new Generator(NOISE_SEED), test.dataset().size(), numPatches);
        float[] noise = drawn.toArray();
        drawn.release();
        double psnrSum = 0;
        double baseSum = 0;
        int images = 0;
        try {
            Iterator<Batch> it = test.epoch(0, 0);
            boolean first = true;
            while (it.hasNext()) {
                Batch b = it.next();
                try (TensorScope scope = TensorScope.open()) {
                    int n = Math.min(b.images().size(0), realSamples - images);
                    if (n <= 0) {
                        continue; // padding only: the images another rank evaluates
                    }
                    Tensor images0 = n == b.images().size(0) ? b.images() : b.images().narrow(0, 0, n);
                    float[] rows = new float[n * numPatches];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(noise, b.indices()[i] * numPatches, rows, i * numPatches, numPatches);
                    }
                    Tensor nz = Tensor.of(images0.device(), rows, n, numPatches);
                    Reconstruction r = Reconstruction.of(model, images0, nz, true);
                    psnrSum += n * Psnr.maskedPsnr(r.original(), r.pasted(), r.pixelMask(), train.mean(), train.std());
                    baseSum += n * Psnr.visibleMeanBaseline(r.original(), r.pixelMask(), train.mean(), train.std());
                    images += n;
                    if (first && grid != null && ranks.isMain()) {
                        int k = Math.min(8, n);
                        int scale = Math.max(1, 112 / images0.size(2));
                        ImageGrid.write(grid, List.of(r.original().narrow(0, 0, k), r.masked().narrow(0, 0, k),
                                r.reconstruction().narrow(0, 0, k), r.pasted().narrow(0, 0, k)), train.mean(), train.std(), scale);
                    }
                    first = false;
                } finally {
                    b.images().release();
                }
            }
        } finally {
            if (wasTraining) {
                model.train();
            }
        }
        double[] total = ranks.sum(psnrSum, baseSum, images);
        return new Result(total[0] / total[2], total[1] / total[2], (int) total[2]);
    }
}
