package dev.jmae.crossmae.data;

import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Normalizes each channel: out[c] = (x[c] - mean[c]) / std[c], in float32 with mean and std
 * rounded to float32 first, as torchvision does; a single mean/std value applies to every
 * channel. torchvision's {@code Normalize(mean, std)}; docs/model.md §2 uses the ImageNet values
 * mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
 */
public final class Normalize {

    private final double[] mean;
    private final double[] std;
    private final float[] meanF;
    private final float[] stdF;

    /**
     * Creates the transform.
     *
     * @param mean per-channel means, one per channel C or a single value
     * @param std per-channel standard deviations, same length as mean, all &gt; 0
     * @throws IllegalArgumentException if the lengths differ, are zero, or a std is not positive
     */
    public Normalize(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalize: expected mean and std of equal, non-zero length, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("Normalize: std must be positive, got " + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.meanF = new float[mean.length];
        this.stdF = new float[std.length];
        for (int i = 0; i < mean.length; i++) {
            meanF[i] = (float) mean[i];
            stdF[i] = (float) std[i];
        }
    }

    /**
     * Normalizes a [C, H, W] or [B, C, H, W] tensor into a new tensor on its device.
     *
     * @param x the tensor, values typically in [0, 1]
     * @return the normalized tensor, same shape
     * @throws IllegalArgumentException if x is not 3-d or 4-d, or C does not match mean's length
     */
    public Tensor apply(Tensor x) {
        if (x.ndim() != 3 && x.ndim() != 4) {
            throw new IllegalArgumentException("Normalize: expected [C, H, W] or [B, C, H, W], got "
                    + Arrays.toString(x.shape()));
        }
        int cDim = x.ndim() - 3;
        int c = x.size(cDim);
        checkChannels(c);
        int hw = x.size(cDim + 1) * x.size(cDim + 2);
        float[] data = x.toArray();
        for (int base = 0; base < data.length; base += c * hw) {
            for (int ch = 0; ch < c; ch++) {
                float m = meanF[meanF.length == 1 ? 0 : ch];
                float s = stdF[stdF.length == 1 ? 0 : ch];
                for (int i = base + ch * hw, end = i + hw; i < end; i++) {
                    data[i] = (data[i] - m) / s;
                }
            }
        }
        return Tensor.of(x.device(), data, x.shape());
    }

    /**
     * ToTensor and Normalize fused: writes (x / 255 - mean[c]) / std[c] of an 8-bit image, in
     * float32 exactly as the two separate steps compute it.
     *
     * @param in the image, [C, H, W]
     * @param out destination
     * @param offset index in out of the first element; C·H·W elements are written
     * @throws IllegalArgumentException if C does not match mean's length
     */
    public void toTensorNormalized(Image in, float[] out, int offset) {
        int c = in.channels();
        checkChannels(c);
        int hw = in.height() * in.width();
        byte[] p = in.pixels();
        for (int ch = 0; ch < c; ch++) {
            float m = meanF[meanF.length == 1 ? 0 : ch];
            float s = stdF[stdF.length == 1 ? 0 : ch];
            int src = ch * hw;
            int dst = offset + ch * hw;
            for (int i = 0; i < hw; i++) {
                out[dst + i] = ((p[src + i] & 0xFF) / 255f - m) / s;
            }
        }
    }

    private void checkChannels(int c) {
        if (mean.length != 1 && mean.length != c) {
            throw new IllegalArgumentException("Normalize: " + mean.length + " mean/std values for images of " + c
                    + " channels; hint: give one value per channel (mean and std in the config)");
        }
    }

    /**
     * The means.
     *
     * @return a copy
     */
    public double[] mean() {
        return mean.clone();
    }

    /**
     * The standard deviations.
     *
     * @return a copy
     */
    public double[] std() {
        return std.clone();
    }

    @Override
    public String toString() {
        return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
