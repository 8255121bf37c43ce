package dev.jmae.crossmae.data;

import dev.jmae.tensor.Generator;

/**
 * Resizes with PIL's bicubic filter ({@link Resample#bicubic}). With one size, the shorter side
 * becomes size and the longer side int(size · long / short) (truncated), keeping the aspect ratio;
 * with two sizes, the output is exactly height × width. An image already of the output size is
 * returned unchanged. torchvision's {@code Resize(size, interpolation=BICUBIC)} on PIL images.
 */
public final class Resize implements Transform {

    private final int size;
    private final int height;
    private final int width;

    /**
     * Resizes the shorter side to size.
     *
     * @param size the shorter side of the output, in pixels, at least 1
     * @throws IllegalArgumentException if size is not positive
     */
    public Resize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("Resize: expected a positive size, got " + size);
        }
        this.size = size;
        this.height = -1;
        this.width = -1;
    }

    /**
     * Resizes to a fixed height and width.
     *
     * @param height output rows, at least 1
     * @param width output columns, at least 1
     * @throws IllegalArgumentException if a size is not positive
     */
    public Resize(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Resize: expected a positive size, got " + height + "x" + width);
        }
        this.size = -1;
        this.height = height;
        this.width = width;
    }

    /**
     * The output size for an input size (torchvision's {@code _compute_resized_output_size}).
     *
     * @param inHeight H
     * @param inWidth W
     * @return {h, w}
     */
    public int[] outputSize(int inHeight, int inWidth) {
        if (size < 0) {
            return new int[] {height, width};
        }
        boolean wShort = inWidth <= inHeight;
        int shortSide = wShort ? inWidth : inHeight;
        int longSide = wShort ? inHeight : inWidth;
        int newLong = (int) ((double) ((long) size * longSide) / shortSide);
        return wShort ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /**
     * Resizes.
     *
     * @param in the image, [C, H, W]
     * @param g unused
     * @return the image [C, h, w] (see {@link #outputSize})
     */
    @Override
    public Image apply(Image in, Generator g) {
        int[] hw = outputSize(in.height(), in.width());
        return Resample.bicubic(in, hw[0], hw[1]);
    }

    @Override
    public String toString() {
        return "Resize(size=" + (size > 0 ? Integer.toString(size) : "(" + height + ", " + width + ")")
                + ", interpolation=bicubic)";
    }
}
