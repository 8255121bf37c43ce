package dev.jmae.crossmae.model;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Random masking from an explicit noise tensor and the choice of the predicted subset (CrossMAE
 * spec §6), computed on the host from the noise values.
 *
 * <p>Per sample: order = indices sorted by ascending noise (stable), len_keep = floor(L(1-p)),
 * len_skip = floor(L(p-γ)) (both in double, truncated like Python's int()). Visible = the first
 * len_keep of order, in that (shuffled) order; predicted = the last L - len_keep - len_skip of
 * order, sorted into ascending patch index. mask_full is 1 for removed patches, mask_pred 1 for
 * predicted ones.
 *
 * @param idsKeep [N, K] visible patch indices in ascending-noise order
 * @param idsRestore [N, L] inverse permutation of the noise order (for MAE's un-shuffle)
 * @param idsPred [N, M] predicted patch indices, ascending
 * @param maskFull [N, L] 1 where the patch is hidden from the encoder
 * @param maskPred [N, L] 1 where the patch is predicted
 */
public record Masking(Tensor idsKeep, Tensor idsRestore, Tensor idsPred, Tensor maskFull, Tensor maskPred) {

    /**
     * Masks from noise.
     *
     * @param noise [N, L] values, smallest kept; no ties expected (uniform noise)
     * @param maskRatio p
     * @param keptMaskRatio γ, at most p
     * @param device where the index and mask tensors go
     * @return the masking
     * @throws IllegalArgumentException if noise is not 2-d or γ &gt; p
     */
    public static Masking fromNoise(Tensor noise, double maskRatio, double keptMaskRatio, Device device) {
        if (noise.ndim() != 2) {
            throw new IllegalArgumentException("masking: expected noise [N, L], got " + Arrays.toString(noise.shape()));
        }
        if (keptMaskRatio > maskRatio) {
            throw new IllegalArgumentException("masking: kept_mask_ratio " + keptMaskRatio + " exceeds mask_ratio " + maskRatio);
        }
        int n = noise.size(0);
        int l = noise.size(1);
        int keep = (int) (l * (1.0 - maskRatio));
        int skip = (int) (l * (maskRatio - keptMaskRatio));
        int pred = l - keep - skip;
        float[] v = noise.toArray();
        float[] idsKeep = new float[n * keep];
        float[] idsRestore = new float[n * l];
        float[] idsPred = new float[n * pred];
        float[] maskFull = new float[n * l];
        float[] maskPred = new float[n * l];
        Integer[] order = new Integer[l];
        for (int s = 0; s < n; s++) {
            int base = s * l;
            for (int i = 0; i < l; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble(i -> v[base + i]));
            for (int k = 0; k < l; k++) {
                idsRestore[base + order[k]] = k;
                maskFull[base + order[k]] = k < keep ? 0f : 1f;
            }
            for (int k = 0; k < keep; k++) {
                idsKeep[s * keep + k] = order[k];
            }
            int[] predicted = new int[pred];
            for (int k = 0; k < pred; k++) {
                predicted[k] = order[keep + skip + k];
                maskPred[base + predicted[k]] = 1f;
            }
            Arrays.sort(predicted);
            for (int k = 0; k < pred; k++) {
                idsPred[s * pred + k] = predicted[k];
            }
        }
        return new Masking(Tensor.of(device, idsKeep, n, keep), Tensor.of(device, idsRestore, n, l),
                Tensor.of(device, idsPred, n, pred), Tensor.of(device, maskFull, n, l), Tensor.of(device, maskPred, n, l));
    }

    /**
     * A masking that keeps every patch in raster order and predicts none: the encoder then sees the
     * whole image (feature extraction for probes).
     *
     * @param n batch size
     * @param l patches per image
     * @param device where the tensors go
     * @return the masking
     */
    public static Masking keepAll(int n, int l, Device device) {
        float[] keep = new float[n * l];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < l; i++) {
                keep[s * l + i] = i;
            }
        }
        return new Masking(Tensor.of(device, keep, n, l), Tensor.of(device, keep, n, l), Tensor.zeros(device, n, 0),
                Tensor.zeros(device, n, l), Tensor.zeros(device, n, l));
    }

    /** @return visible tokens per sample, K */
    public int lenKeep() {
        return idsKeep.size(1);
    }

    /** @return predicted tokens per sample, M */
    public int numPredicted() {
        return idsPred.size(1);
    }
}
