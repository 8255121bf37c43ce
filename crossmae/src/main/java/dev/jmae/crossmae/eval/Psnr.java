package dev.jmae.crossmae.eval;

import dev.jmae.crossmae.model.Patches;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * PSNR on masked patches as in CrossMAE App. B.2 / docs/model.md §15.2: images are brought back to 0-255
 * (undo the normalization, ×255, clip, truncate to int), the squared error is averaged over the
 * masked pixels and channels of each image, PSNR = 20·log10(255/sqrt(MSE)) (100 when MSE is 0),
 * and the per-image values are averaged. Units: dB.
 *
 * <p>Baselines, so that no figure flatters the model (issue 18): for a raw-pixel model,
 * {@link #visibleMeanBaseline} (each masked pixel predicted as the mean of the image's visible
 * pixels); for a norm-pix model, whose reconstruction is de-normalized with each target patch's own
 * mean and variance, {@link #oracleStatisticsBaseline}: predicting 0 in normalized space, i.e. each
 * masked patch's true mean, which uses the same oracle statistics. {@link #normPixScores} reports
 * the model's PSNR, that baseline, and the normalized-space MSE of both on the masked patches.
 */
public final class Psnr {

    private Psnr() {
    }

    /**
     * Converts normalized images to 0-255 integer values (stored as floats).
     *
     * @param images [N, C, H, W] normalized with mean and std
     * @param mean per-channel mean used for normalization
     * @param std per-channel std
     * @return [N, C, H, W] in {0, ..., 255}
     */
    public static float[] toPixels(Tensor images, List<Double> mean, List<Double> std) {
        int c = images.size(1);
        int plane = images.size(2) * images.size(3);
        float[] v = images.toArray();
        for (int i = 0; i < v.length; i++) {
            int ch = (i / plane) % c;
            double x = (v[i] * std.get(ch) + mean.get(ch)) * 255.0;
            v[i] = (float) Math.floor(Math.max(0, Math.min(255, x)));
        }
        return v;
    }

    /**
     * Mean over images of the PSNR over masked pixels.
     *
     * @param truth [N, C, H, W] normalized originals
     * @param estimate [N, C, H, W] normalized reconstructions
     * @param pixelMask [N, C, H, W], 1 on the pixels that count
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the mean PSNR in dB (images with no masked pixel are skipped)
     */
    public static double maskedPsnr(Tensor truth, Tensor estimate, Tensor pixelMask, List<Double> mean,
                                    List<Double> std) {
        float[] a = toPixels(truth, mean, std);
        float[] b = toPixels(estimate, mean, std);
        return meanPsnr(a, b, pixelMask.toArray(), truth.size(0));
    }

    static double meanPsnr(float[] a, float[] b, float[] mask, int n) {
        int per = a.length / n;
        double total = 0;
        int counted = 0;
        for (int img = 0; img < n; img++) {
            double se = 0;
            double count = 0;
            for (int i = img * per; i < (img + 1) * per; i++) {
                if (mask[i] != 0) {
                    double d = a[i] - b[i];
                    se += d * d;
                    count++;
                }
            }
            if (count == 0) {
                continue;
            }
            double mse = se / count;
            total += mse == 0 ? 100.0 : 20 * Math.log10(255.0 / Math.sqrt(mse));
            counted++;
        }
        return counted == 0 ? Double.NaN : total / counted;
    }

    /**
     * The baseline that predicts every masked pixel as the mean of that image's visible pixels
     * (per channel, in 0-255), scored like {@link #maskedPsnr}.
     *
     * @param truth [N, C, H, W] normalized originals
     * @param pixelMask [N, C, H, W], 1 on the masked pixels to score
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the mean PSNR in dB
     */
    public static double visibleMeanBaseline(Tensor truth, Tensor pixelMask, List<Double> mean, List<Double> std) {
        float[] a = toPixels(truth, mean, std);
        float[] m = pixelMask.toArray();
        int n = truth.size(0);
        int c = truth.size(1);
        int plane = truth.size(2) * truth.size(3);
        float[] est = a.clone();
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (img * c + ch) * plane;
                double sum = 0;
                int count = 0;
                for (int i = base; i < base + plane; i++) {
                    if (m[i] == 0) {
                        sum += a[i];
                        count++;
                    }
                }
                float fill = count == 0 ? 0f : (float) (sum / count);
                for (int i = base; i < base + plane; i++) {
                    if (m[i] != 0) {
                        est[i] = fill;
                    }
                }
            }
        }
        return meanPsnr(a, est, m, n);
    }

    /**
     * The masked-patch PSNR of the baseline that gets a norm-pix model's oracle statistics: every
     * masked patch reconstructed as the mean of its own P = p²·C true values in the normalized
     * input space, which is what {@link Reconstruction} produces for a prediction of 0
     * (0·√(σ² + 1e-6) + μ = μ), then scored like {@link #maskedPsnr}.
     *
     * @param truth [N, C, H, W] normalized originals
     * @param pixelMask [N, C, H, W], 1 on the pixels of masked patches
     * @param patchSize p
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the mean PSNR in dB
     * @throws IllegalArgumentException if the shapes differ or H, W are not multiples of p
     */
    public static double oracleStatisticsBaseline(Tensor truth, Tensor pixelMask, int patchSize, List<Double> mean,
                                                  List<Double> std) {
        return maskedPsnr(truth, patchMeans(truth, pixelMask, patchSize), pixelMask, mean, std);
    }

    /**
     * The baseline's reconstruction: each patch replaced by the mean of its P values (what a
     * norm-pix model's reconstruction is for a prediction of 0).
     *
     * @param truth [N, C, H, W] normalized originals
     * @param pixelMask [N, C, H, W] (only its shape is checked)
     * @param patchSize p
     * @return [N, C, H, W]
     */
    public static Tensor patchMeans(Tensor truth, Tensor pixelMask, int patchSize) {
        checkShapes(truth, pixelMask, patchSize);
        int n = truth.size(0);
        Tensor target = Patches.patchify(truth, patchSize);
        int l = target.size(1);
        int p = target.size(2);
        return Patches.unpatchify(target.mean(-1, true).expand(n, l, p).contiguous(), patchSize, truth.size(1));
    }

    /**
     * The mean squared error in the norm-pix target space over the masked patches: with μ, σ² the
     * mean and unbiased variance of each true patch (docs/model.md §10), the reconstruction's patch r and the
     * true patch x are both mapped by (· − μ)/√(σ² + 1e-6), so the error per value is
     * (r − x)/√(σ² + 1e-6); averaged over all values of all masked patches (the loss on those
     * patches, pooled over the batch).
     *
     * @param truth [N, C, H, W] normalized originals
     * @param reconstruction [N, C, H, W] de-normalized reconstruction ({@link Reconstruction#reconstruction()})
     * @param pixelMask [N, C, H, W], 1 on the pixels of masked patches
     * @param patchSize p
     * @return the MSE (dimensionless), NaN when no patch is masked
     * @throws IllegalArgumentException if the shapes differ or H, W are not multiples of p
     */
    public static double normalizedMaskedMse(Tensor truth, Tensor reconstruction, Tensor pixelMask, int patchSize) {
        checkShapes(truth, pixelMask, patchSize);
        if (!Arrays.equals(truth.shape(), reconstruction.shape())) {
            throw new IllegalArgumentException("normalizedMaskedMse: truth " + Arrays.toString(truth.shape())
                    + " and reconstruction " + Arrays.toString(reconstruction.shape()) + " differ in shape");
        }
        float[] x = Patches.patchify(truth, patchSize).contiguous().toArray();
        float[] r = Patches.patchify(reconstruction, patchSize).contiguous().toArray();
        float[] m = Patches.patchify(pixelMask, patchSize).contiguous().toArray();
        int p = patchSize * patchSize * truth.size(1);
        double se = 0;
        long count = 0;
        for (int base = 0; base < x.length; base += p) {
            if (m[base] == 0) {
                continue;
            }
            double mu = 0;
            for (int i = base; i < base + p; i++) {
                mu += x[i];
            }
            mu /= p;
            double ss = 0;
            for (int i = base; i < base + p; i++) {
                ss += (x[i] - mu) * (x[i] - mu);
            }
            double var = p > 1 ? ss / (p - 1) : 0;
            double scale = 1 / (var + 1e-6);
            for (int i = base; i < base + p; i++) {
                double d = r[i] - x[i];
                se += d * d * scale;
            }
            count += p;
        }
        return count == 0 ? Double.NaN : se / count;
    }

    /**
     * A norm-pix model's scores on one batch, each next to the oracle-statistics baseline.
     *
     * @param psnr the model's masked-patch PSNR in dB ({@link #maskedPsnr} of the pasted view)
     * @param oraclePsnr the baseline's masked-patch PSNR in dB ({@link #oracleStatisticsBaseline})
     * @param normalizedMse the model's normalized-space MSE on masked patches
     * @param oracleNormalizedMse the baseline's (prediction 0): (P − 1)/P · σ²/(σ² + 1e-6) per patch, just under 1
     * @param images N
     */
    public record NormPixScores(double psnr, double oraclePsnr, double normalizedMse, double oracleNormalizedMse,
                                int images) {
    }

    /**
     * Every norm-pix figure of a reconstruction batch, for the evaluator and {@code reconstruct}.
     *
     * @param r the reconstruction views (normalized space)
     * @param patchSize p
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the scores; average over batches weighted by {@code images}
     */
    public static NormPixScores normPixScores(Reconstruction r, int patchSize, List<Double> mean, List<Double> std) {
        Tensor baseline = patchMeans(r.original(), r.pixelMask(), patchSize);
        return new NormPixScores(
                maskedPsnr(r.original(), r.pasted(), r.pixelMask(), mean, std),
                maskedPsnr(r.original(), baseline, r.pixelMask(), mean, std),
                normalizedMaskedMse(r.original(), r.reconstruction(), r.pixelMask(), patchSize),
                normalizedMaskedMse(r.original(), baseline, r.pixelMask(), patchSize),
                r.original().size(0));
    }

    private static void checkShapes(Tensor truth, Tensor pixelMask, int patchSize) {
        if (truth.ndim() != 4 || !Arrays.equals(truth.shape(), pixelMask.shape()) || patchSize < 1
                || truth.size(2) % patchSize != 0 || truth.size(3) % patchSize != 0) {
            throw new IllegalArgumentException(
                    "Psnr: expected images and pixel mask [N, C, H, W] of equal shape with H, W "
                            + "multiples of the patch size " + patchSize + ", got " + Arrays.toString(truth.shape())
                            + " and "
                            + Arrays.toString(pixelMask.shape()));
        }
    }
}
