package dev.jmae.crossmae.model;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * Random masking from an explicit noise tensor and the choice of the predicted subset (CrossMAE
 * docs/model.md §6), computed with tensor ops on the noise's device: no host round trip.
 *
 * <p>Per sample: ids_shuffle = the stable argsort of the noise (ascending; ties keep patch order),
 * ids_restore = the argsort of ids_shuffle (its inverse permutation), len_keep = floor(L(1-p)),
 * len_skip = floor(L(p-γ)) (both in double, truncated like Python's int()). Visible = the first
 * len_keep of ids_shuffle, in that (shuffled) order; mask_full = [ids_restore &gt;= len_keep] (1 for
 * removed patches); mask_pred = [ids_restore &gt;= len_keep + len_skip] (1 for the last
 * L - len_keep - len_skip of the noise order); predicted = the indices where mask_pred is 1, in
 * ascending patch order (a stable descending argsort of mask_pred puts them first, in index order).
 * The official code (models_cross.py random_masking) uses the same argsorts, unstable there, which
 * differs only for tied noise.
 *
 * @param idsKeep [N, K] visible patch indices in ascending-noise order
 * @param idsRestore [N, L] inverse permutation of the noise order (for MAE's un-shuffle)
 * @param idsPred [N, M] predicted patch indices, ascending
 * @param maskFull [N, L] 1 where the patch is hidden from the encoder
 * @param maskPred [N, L] 1 where the patch is predicted
 */
public record Masking(Tensor idsKeep, Tensor idsRestore, Tensor idsPred, Tensor maskFull, Tensor maskPred) {

    /**
     * Masks from noise, on the noise's device; every result tensor is contiguous and lives there.
     *
     * @param noise [N, L] values, smallest kept; ties are ordered by patch index (uniform noise from
     *     a generator in [0, 1) never has -0.0, which this order does not tell apart from +0.0)
     * @param maskRatio p
     * @param keptMaskRatio γ, at most p
     * @return the masking
     * @throws IllegalArgumentException if noise is not 2-d or γ &gt; p
     */
    public static Masking fromNoise(Tensor noise, double maskRatio, double keptMaskRatio) {
        if (noise.ndim() != 2) {
            throw new IllegalArgumentException("masking: expected noise [N, L], got " + Arrays.toString(noise.shape()));
        }
        if (keptMaskRatio > maskRatio) {
            throw new IllegalArgumentException(
                    "masking: kept_mask_ratio " + keptMaskRatio + " exceeds mask_ratio " + maskRatio);
        }
        int l = noise.size(1);
        int keep = (int) (l * (1.0 - maskRatio));
        int skip = (int) (l * (maskRatio - keptMaskRatio));
        int pred = l - keep - skip;
        Tensor idsShuffle = noise.argsort(1, false);
        Tensor idsRestore = idsShuffle.argsort(1, false);
        Tensor idsKeep = idsShuffle.narrow(1, 0, keep).contiguous();
        Tensor maskFull = idsRestore.ge(keep);
        Tensor maskPred = idsRestore.ge(keep + skip);
        Tensor idsPred = maskPred.argsort(1, true).narrow(1, 0, pred).contiguous();
        return new Masking(idsKeep, idsRestore, idsPred, maskFull, maskPred);
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
