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
 */
public final class Evaluator {

    /** PSNRs in dB. */
    public record Result(double psnr, double baselinePsnr, int images) {
    }

    /** Seed of the evaluation masking noise: the same patches are masked at every evaluation. */
    static final long NOISE_SEED = 0x5eed_0000_0001L;

    private final DataLoader test;
    private final TrainConfig train;

    /**
     * Creates the evaluator.
     *
     * @param test a loader over the test split (no shuffling, no augmentation, no drop_last)
     * @param train the training config (normalization statistics)
     */
    public Evaluator(DataLoader test, TrainConfig train) {
        this.test = test;
        this.train = train;
    }

    /**
     * Evaluates the model.
     *
     * @param model the model (switched to eval mode and back)
     * @param grid where to write the reconstruction grid, or null
     * @return the PSNRs
     * @throws IOException if the grid cannot be written or the data cannot be read
     */
    public Result evaluate(MaskedAutoencoder model, Path grid) throws IOException {
        boolean wasTraining = model.isTraining();
        model.eval();
        Generator noise = new Generator(NOISE_SEED);
        double psnrSum = 0;
        double baseSum = 0;
        int images = 0;
        try {
            Iterator<Batch> it = test.epoch(0, 0);
            boolean first = true;
            while (it.hasNext()) {
                Batch b = it.next();
                try (TensorScope scope = TensorScope.open()) {
                    Tensor images0 = b.images();
                    int n = images0.size(0);
                    Tensor nz = Tensor.rand(images0.device(), noise, n, model.config().numPatches());
                    Reconstruction r = Reconstruction.of(model, images0, nz, true);
                    psnrSum += n * Psnr.maskedPsnr(r.original(), r.pasted(), r.pixelMask(), train.mean(), train.std());
                    baseSum += n * Psnr.visibleMeanBaseline(r.original(), r.pixelMask(), train.mean(), train.std());
                    images += n;
                    if (first && grid != null) {
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
        return new Result(psnrSum / images, baseSum / images, images);
    }
}
