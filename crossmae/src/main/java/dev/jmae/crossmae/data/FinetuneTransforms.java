package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The fine-tuning pipelines of the official {@code util/datasets.py} {@code build_transform}
 * (MAE and CrossMAE identical), which calls timm 0.9.7's {@code create_transform} for training:
 * <ul>
 *   <li>train: RandomResizedCrop(size, scale (0.08, 1), ratio (3/4, 4/3), bicubic) →
 *       RandomHorizontalFlip(0.5) → RandAugment (e.g. {@code rand-m9-mstd0.5-inc1}, fill
 *       min(255, round(255·mean)), bicubic; colour jitter is off whenever RandAugment is on) →
 *       ToTensor → Normalize(mean, std) → RandomErasing(reprob, remode, recount);</li>
 *   <li>eval: Resize(int(size / crop_pct), bicubic) with crop_pct 224/256 for size ≤ 224 and 1
 *       above → CenterCrop(size) → ToTensor → Normalize(mean, std).</li>
 * </ul>
 * timm's crop ({@code RandomResizedCropAndInterpolation}) and torchvision's draw the box the same
 * way, so {@link RandomResizedCrop} serves.
 */
public final class FinetuneTransforms {

    private FinetuneTransforms() {
    }

    /**
     * The training pipeline: 8-bit stages for a loader, then the tensor stages.
     *
     * @param images the 8-bit stages (crop, flip, RandAugment), a loader's {@link Transform}
     * @param normalize ToTensor + Normalize
     * @param erasing random erasing on the normalized tensor, or null when reprob is 0
     */
    public record Train(Compose images, Normalize normalize, RandomErasing erasing) {

        /**
         * Runs the whole pipeline on one image: 8-bit stages, ToTensor + Normalize, erasing, all
         * drawing from the same generator in that order.
         *
         * @param in the image, [C, H, W]
         * @param g the sample's generator
         * @param device where to allocate the result
         * @return [C, size, size] normalized, possibly erased
         */
        public Tensor tensor(Image in, Generator g, Device device) {
            Image x = images.apply(in, g);
            float[] out = new float[x.pixels().length];
            normalize.toTensorNormalized(x, out, 0);
            eraseInPlace(out, 0, x.channels(), x.height(), x.width(), g);
            return Tensor.of(device, out, x.channels(), x.height(), x.width());
        }

        /**
         * The tensor stage a loader runs on an image's slot after {@link Normalize#toTensorNormalized}
         * with the same generator the 8-bit stages used.
         *
         * @param data the batch buffer
         * @param offset the image's first value
         * @param channels C
         * @param height H
         * @param width W
         * @param g the sample's generator, after the 8-bit stages
         */
        public void eraseInPlace(float[] data, int offset, int channels, int height, int width, Generator g) {
            if (erasing != null) {
                erasing.applyInPlace(data, offset, channels, height, width, g);
            }
        }
    }

    /**
     * The official training pipeline ({@code build_transform(is_train=True)}).
     *
     * @param inputSize output side (input_size; 224 for ImageNet)
     * @param autoAugment RandAugment config (aa, {@code rand-m9-mstd0.5-inc1}), or null/empty for none
     * @param reprob random erasing probability (0.25; 0 disables it)
     * @param remode erasing mode ("pixel")
     * @param recount erasing count (1)
     * @param mean normalization mean per channel (1 for grayscale images, 3 for RGB)
     * @param std normalization std per channel
     * @return the pipeline
     * @throws IllegalArgumentException if a setting is invalid
     */
    public static Train train(int inputSize, String autoAugment, double reprob, String remode, int recount,
                              double[] mean,
                              double[] std) {
        return train(inputSize, 0.08, 1.0, autoAugment, reprob, remode, recount, mean, std);
    }

    /**
     * The official training pipeline with another RandomResizedCrop area range (jmae's crop_scale;
     * the official one is timm's fixed (0.08, 1)).
     *
     * @param inputSize output side
     * @param scaleMin smallest crop area fraction
     * @param scaleMax largest crop area fraction
     * @param autoAugment RandAugment config, or null/empty for none
     * @param reprob random erasing probability (0 disables it)
     * @param remode erasing mode
     * @param recount erasing count
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the pipeline
     * @throws IllegalArgumentException if a setting is invalid
     */
    public static Train train(int inputSize, double scaleMin, double scaleMax, String autoAugment, double reprob,
                              String remode,
                              int recount, double[] mean, double[] std) {
        List<Transform> t = new ArrayList<>();
        t.add(new RandomResizedCrop(inputSize, scaleMin, scaleMax, 3.0 / 4.0, 4.0 / 3.0));
        t.add(new RandomHorizontalFlip(0.5));
        if (autoAugment != null && !autoAugment.isEmpty()) {
            if (!autoAugment.startsWith("rand")) {
                throw new IllegalArgumentException(
                        "FinetuneTransforms: only RandAugment ('rand-...') is supported, got '"
                                + autoAugment + "'");
            }
            t.add(RandAugment.of(autoAugment, RandAugment.fillFromMean(mean), Geometry.Resample.BICUBIC));
        }
        RandomErasing erasing = reprob > 0 ? RandomErasing.of(reprob, remode, recount) : null;
        return new Train(new Compose(t), new Normalize(mean, std), erasing);
    }

    /**
     * The official recipe's training pipeline: {@code rand-m9-mstd0.5-inc1}, reprob 0.25, pixel, 1.
     *
     * @param inputSize output side
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return the pipeline
     */
    public static Train train(int inputSize, double[] mean, double[] std) {
        return train(inputSize, "rand-m9-mstd0.5-inc1", 0.25, "pixel", 1, mean, std);
    }

    /**
     * The resize side of the evaluation pipeline: int(size / crop_pct), crop_pct = 224/256 for
     * size ≤ 224, else 1 (256 for 224, 32 for 28).
     *
     * @param inputSize the crop side
     * @return the shorter side after resizing
     */
    public static int evalResizeSize(int inputSize) {
        double cropPct = inputSize <= 224 ? 224.0 / 256.0 : 1.0;
        return (int) (inputSize / cropPct);
    }

    /**
     * The official evaluation pipeline ({@code build_transform(is_train=False)}).
     *
     * @param inputSize the crop side
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @return Resize → CenterCrop → ToTensor → Normalize
     */
    public static Compose eval(int inputSize, double[] mean, double[] std) {
        return new Compose(List.of(new Resize(evalResizeSize(inputSize)), new CenterCrop(inputSize)),
                new Normalize(mean, std));
    }
}
