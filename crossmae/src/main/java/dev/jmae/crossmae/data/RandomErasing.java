package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Random erasing of a rectangle in a normalized image (timm 0.9.7 {@code timm/data/random_erasing.py}
 * {@code RandomErasing}, run after ToTensor and Normalize; Zhong et al. 2017). The fine-tuning
 * recipe uses probability 0.25 ({@code reprob}), mode "pixel" ({@code remode}) and one box
 * ({@code recount}).
 *
 * <p>Per image, draws in order: u ~ U(0, 1), nothing happens when u &gt; probability; the box count
 * (uniform in [minCount, maxCount], no draw when they are equal); then per box up to 10 attempts of
 * target area = U(minArea, maxArea)·H·W/count, aspect = exp(U(log minAspect, log maxAspect)),
 * h = round(√(area·aspect)), w = round(√(area/aspect)) (half to even), accepted when w &lt; W and
 * h &lt; H; then top ~ U{0..H−h}, left ~ U{0..W−w}, and the box [top, top+h) × [left, left+w) of
 * every channel is overwritten: mode pixel with N(0, 1) per value (channel, then row, then column),
 * mode rand with one N(0, 1) value per channel, mode const with 0.
 */
public final class RandomErasing {

    /** How erased values are drawn (timm's {@code mode}). */
    public enum Mode {
        /** Zeros (the normalized mean). */
        CONST,
        /** One normal value per channel. */
        RAND,
        /** A normal value per pixel and channel. */
        PIXEL;

        /**
         * timm's mode name.
         *
         * @param name "const", "rand" or "pixel" (case-insensitive; "" means const)
         * @return the mode
         * @throws IllegalArgumentException for another name
         */
        public static Mode parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "", "const" -> CONST;
                case "rand" -> RAND;
                case "pixel" -> PIXEL;
                default -> throw new IllegalArgumentException("RandomErasing: unknown mode '" + name
                        + "'; hint: use const, rand or pixel");
            };
        }
    }

    private final double probability;
    private final double minArea;
    private final double maxArea;
    private final double logAspectMin;
    private final double logAspectMax;
    private final Mode mode;
    private final int minCount;
    private final int maxCount;

    /**
     * Creates the transform (timm's constructor; num_splits is not supported).
     *
     * @param probability chance of erasing an image, 0..1
     * @param minArea smallest box area as a fraction of the image (timm 0.02)
     * @param maxArea largest fraction (timm 1/3)
     * @param minAspect smallest aspect ratio h/w (timm 0.3)
     * @param maxAspect largest aspect ratio (timm 1/minAspect)
     * @param mode how erased values are drawn
     * @param minCount fewest boxes (timm 1)
     * @param maxCount most boxes (timm: recount, 1)
     * @throws IllegalArgumentException if a value is out of range
     */
    public RandomErasing(double probability, double minArea, double maxArea, double minAspect, double maxAspect,
                         Mode mode,
                         int minCount, int maxCount) {
        if (!(probability >= 0 && probability <= 1 && minArea > 0 && minArea <= maxArea && minAspect > 0
                && minAspect <= maxAspect && minCount >= 1 && minCount <= maxCount)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "RandomErasing: expected probability in [0, 1], "
                            + "0 < min_area <= max_area, 0 < min_aspect <= max_aspect and 1 <= min_count <= max_count, got %s, "
                            + "(%s, %s), (%s, %s), (%d, %d)",
                    probability, minArea, maxArea, minAspect, maxAspect, minCount,
                    maxCount));
        }
        this.probability = probability;
        this.minArea = minArea;
        this.maxArea = maxArea;
        this.logAspectMin = Math.log(minAspect);
        this.logAspectMax = Math.log(maxAspect);
        this.mode = mode;
        this.minCount = minCount;
        this.maxCount = maxCount;
    }

    /**
     * The transform {@code create_transform} builds from {@code re_prob}, {@code re_mode},
     * {@code re_count}: areas 0.02 to 1/3, aspect 0.3 to 1/0.3, 1 to count boxes.
     *
     * @param probability reprob (fine-tuning: 0.25)
     * @param mode remode (fine-tuning: "pixel")
     * @param count recount (fine-tuning: 1)
     * @return the transform
     */
    public static RandomErasing of(double probability, String mode, int count) {
        return new RandomErasing(probability, 0.02, 1 / 3.0, 0.3, 1 / 0.3, Mode.parse(mode), 1, count);
    }

    /**
     * Erases in place in a planar float buffer, e.g. the slot of one image in a batch the loader
     * has just normalized.
     *
     * @param data the buffer
     * @param offset index of the image's first value
     * @param channels C
     * @param height H
     * @param width W
     * @param g the image's generator
     * @return the erased boxes as {top, left, h, w} (empty when nothing was erased)
     */
    public int[][] applyInPlace(float[] data, int offset, int channels, int height, int width, Generator g) {
        if (g.nextDouble() > probability) {
            return new int[0][];
        }
        double area = (double) height * width;
        int count = minCount == maxCount ? minCount : minCount + g.nextInt(maxCount - minCount + 1);
        int[][] boxes = new int[count][];
        int made = 0;
        for (int k = 0; k < count; k++) {
            for (int attempt = 0; attempt < 10; attempt++) {
                double targetArea = (minArea + (maxArea - minArea) * g.nextDouble()) * area / count;
                double aspect = Math.exp(logAspectMin + (logAspectMax - logAspectMin) * g.nextDouble());
                int h = (int) Math.rint(Math.sqrt(targetArea * aspect));
                int w = (int) Math.rint(Math.sqrt(targetArea / aspect));
                if (w < width && h < height) {
                    int top = g.nextInt(height - h + 1);
                    int left = g.nextInt(width - w + 1);
                    fill(data, offset, channels, height, width, top, left, h, w, g);
                    boxes[made++] = new int[] {top, left, h, w};
                    break;
                }
            }
        }
        return Arrays.copyOf(boxes, made);
    }

    private void fill(float[] data, int offset, int channels, int height, int width, int top, int left, int h, int w,
                      Generator g) {
        for (int c = 0; c < channels; c++) {
            float channelValue = mode == Mode.RAND ? (float) g.nextGaussian() : 0f;
            for (int y = top; y < top + h; y++) {
                int row = offset + (c * height + y) * width;
                for (int x = left; x < left + w; x++) {
                    data[row + x] = mode == Mode.PIXEL ? (float) g.nextGaussian() : channelValue;
                }
            }
        }
    }

    /**
     * Erases a copy of a normalized image.
     *
     * @param image [C, H, W] normalized
     * @param g the image's generator
     * @return a new tensor on the image's device (the input when nothing is erased)
     * @throws IllegalArgumentException if the image is not 3-d
     */
    public Tensor apply(Tensor image, Generator g) {
        if (image.ndim() != 3) {
            throw new IllegalArgumentException(
                    "RandomErasing: expected [C, H, W], got " + Arrays.toString(image.shape()));
        }
        float[] v = image.toArray();
        int[][] boxes = applyInPlace(v, 0, image.size(0), image.size(1), image.size(2), g);
        return boxes.length == 0 ? image : Tensor.of(image.device(), v, image.shape());
    }

    /** @return the erasing probability */
    public double probability() {
        return probability;
    }

    @Override
    public String toString() {
        return "RandomErasing(p=" + probability + ", mode=" + mode.name().toLowerCase(Locale.ROOT) + ", count=("
                + minCount
                + ", " + maxCount + "))";
    }
}
