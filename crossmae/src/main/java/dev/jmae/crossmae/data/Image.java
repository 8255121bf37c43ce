package dev.jmae.crossmae.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit image, planar: pixels[(c·H + y)·W + x] holds channel c of row y, column x as an
 * unsigned byte (0..255). Images stay 8-bit until {@link ToTensor}, like PIL images in a
 * torchvision pipeline, so every transform rounds and clips the way PIL does.
 *
 * <p>Shape [C, H, W] with C = 1 (PIL mode "L") or 3 (PIL mode "RGB"). Two images are equal
 * when their shapes and pixels are equal.
 *
 * @param channels C, at least 1
 * @param height H in pixels, at least 1
 * @param width W in pixels, at least 1
 * @param pixels C·H·W unsigned bytes, planar (CHW); not copied, treat as read-only
 */
public record Image(int channels, int height, int width, byte[] pixels) {

    /**
     * Validates the shape against the pixel count.
     *
     * @throws IllegalArgumentException if a size is not positive or pixels.length != C·H·W
     * @throws NullPointerException if pixels is null
     */
    public Image {
        Objects.requireNonNull(pixels, "pixels");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("Image: expected positive [C, H, W], got [" + channels + ", "
                    + height + ", " + width + "]");
        }
        if ((long) channels * height * width != pixels.length) {
            throw new IllegalArgumentException("Image: shape [" + channels + ", " + height + ", " + width
                    + "] needs " + (long) channels * height * width + " pixels, got " + pixels.length);
        }
    }

    /**
     * One pixel value.
     *
     * @param c channel, 0..C-1
     * @param y row, 0..H-1
     * @param x column, 0..W-1
     * @return the value, 0..255
     * @throws IndexOutOfBoundsException if an index is out of range
     */
    public int get(int c, int y, int x) {
        Objects.checkIndex(c, channels);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return pixels[(c * height + y) * width + x] & 0xFF;
    }

    /**
     * The region of rows top..top+height-1 and columns left..left+width-1; parts outside the
     * image are filled with 0, like PIL's {@code Image.crop(box)} with box = (left, top,
     * left + width, top + height) and torchvision's {@code F.crop(img, top, left, height, width)}.
     *
     * @param top first row, may be negative
     * @param left first column, may be negative
     * @param height rows of the result, at least 1
     * @param width columns of the result, at least 1
     * @return the crop, [C, height, width]; this image itself when the box is the whole image
     * @throws IllegalArgumentException if height or width is not positive
     */
    public Image crop(int top, int left, int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Image.crop: expected a positive size, got " + height + "x" + width);
        }
        if (top == 0 && left == 0 && height == this.height && width == this.width) {
            return this;
        }
        byte[] out = new byte[channels * height * width];
        int y0 = Math.max(0, -top);
        int y1 = Math.min(height, this.height - top);
        int x0 = Math.max(0, -left);
        int x1 = Math.min(width, this.width - left);
        if (x1 > x0) {
            for (int c = 0; c < channels; c++) {
                for (int y = y0; y < y1; y++) {
                    System.arraycopy(pixels, (c * this.height + top + y) * this.width + left + x0,
                            out, (c * height + y) * width + x0, x1 - x0);
                }
            }
        }
        return new Image(channels, height, width, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image other && channels == other.channels && height == other.height
                && width == other.width && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(channels, height, width) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "Image[" + channels + ", " + height + ", " + width + "]";
    }
}
