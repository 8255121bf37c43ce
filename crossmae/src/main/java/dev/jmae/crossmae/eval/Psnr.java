package dev.jmae.crossmae.eval;

import dev.jmae.tensor.Tensor;

import java.util.List;

/**
 * PSNR on masked patches as in CrossMAE App. B.2 / docs/model.md §15.2: images are brought back to 0-255
 * (undo the normalization, ×255, clip, truncate to int), the squared error is averaged over the
 * masked pixels and channels of each image, PSNR = 20·log10(255/sqrt(MSE)) (100 when MSE is 0),
 * and the per-image values are averaged. Units: dB.
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
    public static double maskedPsnr(Tensor truth, Tensor estimate, Tensor pixelMask, List<Double> mean, List<Double> std) {
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
}
