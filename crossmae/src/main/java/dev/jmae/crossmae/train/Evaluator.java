package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ModelConfig;
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
 * decoding every masked patch (γ = p), next to the baseline that cannot flatter the model
 * ({@link #batchScores}): for a norm-pix model, whose reconstruction is de-normalized with each
 * target patch's own mean and variance, the oracle-statistics baseline (prediction 0 in normalized
 * space, i.e. each masked patch's true mean) and the normalized-space MSE on the masked patches of
 * both; for a raw-pixel model, the baseline that fills each masked pixel with the mean of the
 * image's visible pixels. Also a reconstruction grid of the first 8 test images (original, masked,
 * reconstruction, reconstruction with the visible patches pasted).
 *
 * <p>The masking noise of test image i is row i of one [N, L] draw from a fixed seed, so it does
 * not depend on how the images are batched. The scores are means over images, reduced exactly:
 * data parallel, each rank evaluates its share of the test set ({@link
 * dev.jmae.crossmae.data.DistributedSampler} over the sequential order), counts only its real
 * samples (not the padding that evens out the shares), and one reduction of the sums and the image
 * count gives every rank the single-process result. The grid is written by the main rank from
 * the first 8 images of its share (test images 0, R, 2R, ...).
 */
public final class Evaluator {

    /** The baseline of a norm-pix model: each masked patch predicted as its true mean (its oracle statistics). */
    public static final String ORACLE_STATISTICS = "oracle_statistics";
    /** The baseline of a raw-pixel model: each masked pixel predicted as the mean of the image's visible pixels. */
    public static final String VISIBLE_MEAN = "visible_mean";

    /**
     * The test figures.
     *
     * @param psnr the model's masked-patch PSNR, dB
     * @param baselinePsnr the baseline's masked-patch PSNR, dB
     * @param images test images
     * @param baseline which baseline: {@link #ORACLE_STATISTICS} (norm-pix models) or {@link #VISIBLE_MEAN}
     * @param normMse the model's mean squared error in the norm-pix target space on the masked
     *     patches (the loss on them); NaN for a raw-pixel model
     * @param baselineNormMse the oracle-statistics baseline's (just under 1); NaN for a raw-pixel model
     */
    public record Result(double psnr, double baselinePsnr, int images, String baseline, double normMse,
                         double baselineNormMse) {

        /** @return the baseline in words, for progress lines */
        public String baselineDescription() {
            return describe(baseline);
        }
    }

    /**
     * A baseline's name in words.
     *
     * @param baseline {@link #ORACLE_STATISTICS} or {@link #VISIBLE_MEAN}
     * @return e.g. "oracle-statistics baseline (each masked patch predicted as its true mean)"
     */
    public static String describe(String baseline) {
        return baseline.equals(ORACLE_STATISTICS)
                ? "oracle-statistics baseline (each masked patch predicted as its true mean)"
                : "visible-mean baseline (each masked pixel predicted as the image's visible mean)";
    }

    /**
     * The figures of one batch's reconstruction: {psnr, baseline psnr, normalized MSE, baseline
     * normalized MSE} (the last two NaN for a raw-pixel model), the baseline being
     * {@link #baselineOf}'s.
     *
     * @param r the reconstruction views
     * @param model the model's config (norm_pix_loss, patch size)
     * @param train the normalization statistics
     * @return the four figures (PSNRs in dB, means over the batch's images)
     */
    public static double[] batchScores(Reconstruction r, ModelConfig model, TrainConfig train) {
        if (model.normPixLoss()) {
            Psnr.NormPixScores s = Psnr.normPixScores(r, model.patchSize(), train.mean(), train.std());
            return new double[] {s.psnr(), s.oraclePsnr(), s.normalizedMse(), s.oracleNormalizedMse()};
        }
        return new double[] {Psnr.maskedPsnr(r.original(), r.pasted(), r.pixelMask(), train.mean(), train.std()),
            Psnr.visibleMeanBaseline(r.original(), r.pixelMask(), train.mean(), train.std()), Double.NaN, Double.NaN};
    }

    /**
     * The baseline that matches a model's reconstruction.
     *
     * @param model the model's config
     * @return {@link #ORACLE_STATISTICS} with norm_pix_loss, else {@link #VISIBLE_MEAN}
     */
    public static String baselineOf(ModelConfig model) {
        return model.normPixLoss() ? ORACLE_STATISTICS : VISIBLE_MEAN;
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
        double mseSum = 0;
        double baseMseSum = 0;
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
                    double[] scores = batchScores(r, model.config(), train);
                    psnrSum += n * scores[0];
                    baseSum += n * scores[1];
                    mseSum += n * scores[2];
                    baseMseSum += n * scores[3];
                    images += n;
                    if (first && grid != null && ranks.isMain()) {
                        int k = Math.min(8, n);
                        int scale = Math.max(1, 112 / images0.size(2));
                        try {
                            ImageGrid.write(grid, List.of(r.original().narrow(0, 0, k), r.masked().narrow(0, 0, k),
                                    r.reconstruction().narrow(0, 0, k), r.pasted().narrow(0, 0, k)), train.mean(),
                                    train.std(),
                                    scale);
                        } catch (IOException e) {
                            throw WriteFailures.writing(grid, e, null);
                        }
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
        double[] total = ranks.sum(psnrSum, baseSum, mseSum, baseMseSum, images);
        return new Result(total[0] / total[4], total[1] / total[4], (int) total[4], baselineOf(model.config()),
                total[2] / total[4], total[3] / total[4]);
    }
}
