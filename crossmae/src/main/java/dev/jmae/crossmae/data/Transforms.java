package dev.jmae.crossmae.data;

import java.util.List;

/**
 * The pipelines jmae uses, built from the transform classes.
 */
public final class Transforms {

    private Transforms() {
    }

    /**
     * The pretraining augmentation of docs/model.md §2 (MAE {@code main_pretrain.py}, CrossMAE identical):
     * RandomResizedCrop(size, scale, ratio, bicubic) → RandomHorizontalFlip(hflipProb) →
     * ToTensor → Normalize(mean, std).
     *
     * @param size output side in pixels (img_size)
     * @param scale {min, max} crop area fraction (crop_scale, spec: {0.2, 1.0})
     * @param ratio {min, max} crop aspect ratio (crop_ratio, spec: {3/4, 4/3})
     * @param hflipProb flip probability (hflip_prob, spec: 0.5)
     * @param mean per-channel mean (spec: ImageNet's)
     * @param std per-channel std
     * @return the pipeline; output [C, size, size]
     * @throws IllegalArgumentException if scale or ratio does not have 2 values, or a value is out of range
     */
    public static Compose pretrain(int size, double[] scale, double[] ratio, double hflipProb, double[] mean,
                                   double[] std) {
        return new Compose(pretrain(size, scale, ratio, hflipProb).transforms(), new Normalize(mean, std));
    }

    /**
     * The pretraining augmentation's 8-bit stages, RandomResizedCrop → RandomHorizontalFlip, for
     * a {@link DataLoader} (which applies ToTensor and Normalize with its own mean and std).
     *
     * @param size output side in pixels (img_size)
     * @param scale {min, max} crop area fraction (crop_scale)
     * @param ratio {min, max} crop aspect ratio (crop_ratio)
     * @param hflipProb flip probability (hflip_prob)
     * @return the pipeline without Normalize; output [C, size, size]
     * @throws IllegalArgumentException if scale or ratio does not have 2 values, or a value is out of range
     */
    public static Compose pretrain(int size, double[] scale, double[] ratio, double hflipProb) {
        if (scale.length != 2 || ratio.length != 2) {
            throw new IllegalArgumentException("Transforms.pretrain: expected scale and ratio as {min, max}, got "
                    + scale.length + " and " + ratio.length + " values");
        }
        return new Compose(List.of(new RandomResizedCrop(size, scale[0], scale[1], ratio[0], ratio[1]),
                new RandomHorizontalFlip(hflipProb)));
    }

    /**
     * The evaluation pipeline's 8-bit stages, Resize(size) → CenterCrop(size), for a
     * {@link DataLoader} (which applies ToTensor and Normalize).
     *
     * @param size output side in pixels
     * @return the pipeline without Normalize; output [C, size, size]
     * @throws IllegalArgumentException if size is not positive
     */
    public static Compose eval(int size) {
        return new Compose(List.of(new Resize(size), new CenterCrop(size)));
    }

    /**
     * The evaluation pipeline: Resize(size) (shorter side to size; nothing happens when the image
     * already has that size) → CenterCrop(size) → ToTensor → Normalize(mean, std).
     *
     * @param size output side in pixels
     * @param mean per-channel mean
     * @param std per-channel std
     * @return the pipeline; output [C, size, size]
     * @throws IllegalArgumentException if size is not positive or mean/std are invalid
     */
    public static Compose eval(int size, double[] mean, double[] std) {
        return new Compose(eval(size).transforms(), new Normalize(mean, std));
    }
}
